/**
 * Check (b): raising the regularisation raises the loss. The cost the trainer minimises is the mean data
 * loss plus the regularisation term, so with any positive strength and non-zero weights it must be
 * strictly above the cost with reg 0. Without L1/L2 in the spec, the recipe's strength l2 = 1e3 is used.
 */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import type { Dataset } from '../data/dataset';
import { regularizationLoss, type RegSpec } from '../model/regularizers';
import type { Sequential } from '../model/sequential';
import { firstRows } from './check-batch';
import { num, secondsSince, type CheckResult } from './check-result';

/** Options of the regularisation check. */
export interface RegularizationOptions {
  /** Training samples the data loss is averaged over (default 100). */
  readonly samples: number;
  /** L2 strength used when the spec has neither L1 nor L2 (default 1e3, the recipe's). */
  readonly defaultL2: number;
}

/** Defaults: 100 samples, l2 1e3 when the spec has none. */
export const REGULARIZATION_DEFAULTS: RegularizationOptions = Object.freeze({ samples: 100, defaultL2: 1e3 });

/** The strengths the check uses: the spec's L1/L2 if any is positive, else l2 = defaultL2. */
export function regularizationUnderTest(
  reg: RegSpec,
  defaultL2: number,
): { reg: RegSpec; fromSpec: boolean } {
  if (reg.l1 > 0 || reg.l2 > 0) return { reg, fromSpec: true };
  return { reg: { l2: defaultL2, l1: 0, maxNorm: 0 }, fromSpec: false };
}

function describeReg(reg: RegSpec): string {
  const parts: string[] = [];
  if (reg.l2 > 0) parts.push(`l2 ${reg.l2}`);
  if (reg.l1 > 0) parts.push(`l1 ${reg.l1}`);
  return parts.join(', ');
}

/** Runs check (b) at `params` on the first samples of `data`. */
export async function checkRegularization(
  backend: Backend,
  net: Sequential,
  params: readonly Data[],
  data: Dataset,
  specReg: RegSpec,
  options: Partial<RegularizationOptions> = {},
): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const o = { ...REGULARIZATION_DEFAULTS, ...options };
  const { reg, fromSpec } = regularizationUnderTest(specReg, o.defaultL2);
  const batch = firstRows(data, o.samples, (n) => backend.alloc(n));
  const { lossSum } = await backend.evaluate(net, params, batch.x, batch.labels, batch.count);
  const plain = lossSum / batch.count;
  const withReg = plain + regularizationLoss(net.params, params, reg);
  const pass = withReg > plain;
  const strength = `${describeReg(reg)}${fromSpec ? ', the spec’s' : ', the recipe’s default; the spec has none'}`;
  const message = pass
    ? `loss rises with regularisation: ${num(plain)} (reg 0) → ${num(withReg)} (${strength})`
    : `loss did not rise with regularisation: ${num(plain)} (reg 0) → ${num(withReg)} (${strength}); ` +
      `the regularisation term is not added to the loss, or every weight is zero`;
  return {
    name: 'regularization',
    pass,
    value: withReg,
    expected: `> ${num(plain)}`,
    message,
    seconds: secondsSince(started),
  };
}
