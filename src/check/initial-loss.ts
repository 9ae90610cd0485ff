/**
 * Check (a): the loss at initialisation, without regularisation, is the loss of uniform scores.
 * Softmax: every class gets probability 1/C, so L = ln C. SVM (Δ = 1): every score is ≈ 0, so each of
 * the C − 1 wrong classes contributes max(0, 0 − 0 + Δ) = 1 and L = C − 1. A loss far above that means
 * the initial scores are far from zero: the init scale is too large.
 */
import type { Backend } from '../backend/backend';
import type { Data } from '../../kernels/spec';
import type { Dataset } from '../data/dataset';
import type { Sequential } from '../model/sequential';
import type { InitSpec } from '../model/types';
import { firstRows } from './check-batch';
import { num, secondsSince, type CheckResult } from './check-result';

/** Options of the initial-loss check. */
export interface InitialLossOptions {
  /** Training samples the loss is averaged over (default 100; fewer if the split is smaller). */
  readonly samples: number;
  /** Pass iff |loss − expected| ≤ relTolerance · expected (default 0.25). */
  readonly relTolerance: number;
}

/** Defaults: 100 samples, 25 % of the expected loss. */
export const INITIAL_LOSS_DEFAULTS: InitialLossOptions = Object.freeze({ samples: 100, relTolerance: 0.25 });

/** The SVM margin Δ of the model's hinge loss. */
const SVM_DELTA = 1;

/** The loss of all-equal scores over `classes` classes, and how it is written. */
export function chanceLoss(loss: 'softmax' | 'svm', classes: number): { value: number; formula: string } {
  return loss === 'softmax'
    ? { value: Math.log(classes), formula: `ln(${classes})` }
    : { value: (classes - 1) * SVM_DELTA, formula: `${classes} − 1` };
}

/** An init as the spec writes it: `he`, `xavier`, `{gaussian: 0.001}`. */
export function describeInit(init: InitSpec): string {
  return init.type === 'gaussian' ? `{gaussian: ${init.std}}` : init.type;
}

/** Runs check (a) on `params` (the initial parameters), in test mode on the first samples of `data`. */
export async function checkInitialLoss(
  backend: Backend,
  net: Sequential,
  params: readonly Data[],
  data: Dataset,
  options: Partial<InitialLossOptions> = {},
): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const o = { ...INITIAL_LOSS_DEFAULTS, ...options };
  const batch = firstRows(data, o.samples, (n) => backend.alloc(n));
  const { lossSum } = await backend.evaluate(net, params, batch.x, batch.labels, batch.count);
  const loss = lossSum / batch.count;
  const chance = chanceLoss(net.spec.loss, net.numClasses);
  const tolerance = o.relTolerance * chance.value;
  const pass = Math.abs(loss - chance.value) <= tolerance;
  const init = describeInit(net.spec.init);
  const base = `initial loss ${num(loss)}`;
  const target = `${chance.formula} = ${num(chance.value)}`;
  let message: string;
  if (pass) message = `${base} ≈ ${target} (${net.spec.loss}, init ${init}, ${batch.count} samples, reg 0)`;
  else if (Number.isNaN(loss) || loss > chance.value)
    message =
      `${base} is far above ${target}: the init is too large (init ${init} gives scores far from zero); ` +
      `use a smaller scale, e.g. init: he or {gaussian: 0.001}`;
  else
    message =
      `${base} is far below ${target}: the untrained scores already favour the right class; ` +
      `check that the labels do not leak into the inputs`;
  return {
    name: 'initial-loss',
    pass,
    value: loss,
    expected: `${num(chance.value)} ± ${num(tolerance)}`,
    message,
    seconds: secondsSince(started),
  };
}
