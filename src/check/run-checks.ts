/**
 * Runs the recipe's sanity checks on a job spec, in order: (a) initial loss, (b) regularisation raises
 * the loss, (c) overfit a tiny subset, (d) numeric gradient check, (e) update/weight ratios. Every check
 * starts from the spec's initial parameters (seeded by train.seed) on the training split.
 */
import type { KernelRunner } from '../../kernels/runner';
import type { Backend } from '../backend/backend';
import type { Dataset } from '../data/dataset';
import { initParams } from '../model/init';
import { Sequential } from '../model/sequential';
import type { JobSpec } from '../train/job-spec';
import { checkModelFitsData } from '../train/run-job';
import type { CheckResult } from './check-result';
import { checkGradient, type GradientCheckOptions } from './gradient-check';
import { checkInitialLoss, type InitialLossOptions } from './initial-loss';
import { checkOverfit, type OverfitOptions } from './overfit';
import { checkRegularization, type RegularizationOptions } from './regularization';
import { checkUpdateRatio, type UpdateRatioOptions } from './update-ratio';

/** Per-check options over each check's defaults. */
export interface CheckOptions {
  readonly initialLoss?: Partial<InitialLossOptions>;
  readonly regularization?: Partial<RegularizationOptions>;
  readonly overfit?: Partial<OverfitOptions>;
  readonly gradient?: Partial<GradientCheckOptions>;
  readonly updateRatio?: Partial<UpdateRatioOptions>;
}

/** Where the checks compute. */
export interface CheckBackends {
  /** Runs checks (a), (b), (c) and (e): the backend training would use. */
  readonly backend: Backend;
  /** Runs the gradient check (d); must compute in float64 (the reference runner). */
  readonly float64: KernelRunner;
}

/** Runs every check on `train` (the job's training split); reports each result as soon as it is known. */
export async function runChecks(
  spec: JobSpec,
  train: Dataset,
  backends: CheckBackends,
  options: CheckOptions = {},
  onResult: (r: CheckResult) => void = () => {},
): Promise<CheckResult[]> {
  const net = Sequential.fromSpec(spec.model);
  checkModelFitsData(net, train);
  const { backend } = backends;
  const seed = spec.train.seed;
  const initial = initParams(net, seed, (n) => backend.alloc(n));
  const results: CheckResult[] = [];
  const report = (r: CheckResult): void => {
    results.push(r);
    onResult(r);
  };
  report(await checkInitialLoss(backend, net, initial, train, options.initialLoss));
  report(await checkRegularization(backend, net, initial, train, spec.train.reg, options.regularization));
  report(
    await checkOverfit(backend, net, initial, train, spec.train.learningRate, { seed, ...options.overfit }),
  );
  report(checkGradient(backends.float64, net, train, spec.train.reg, { seed, ...options.gradient }));
  report(await checkUpdateRatio(backend, net, initial, train, spec.train, options.updateRatio));
  return results;
}
