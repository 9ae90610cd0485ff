/**
 * The plan of a random search, coarse to fine: which values each trial trains with, how a stage's ranges
 * narrow around the best trials of the stage before, and the job spec of a trial (and of the winner).
 *
 * - Sampling: every searched field is drawn log-uniformly from its range, v = exp(ln lo + u·(ln hi − ln lo)),
 *   with u from Rng(job seed, search stream, stage, trial): a trial's values depend only on those, never
 *   on the order in which trials ran or on a coordinator restart.
 * - Narrowing: stage s > 0 samples, for each field, from [min / W, max · W] ∩ the previous range, where
 *   min and max are the field's values among the previous stage's best `keep` finished trials (by
 *   validation accuracy) and W = √10 (half a decade on each side). Without a finished trial the ranges
 *   stay as they were.
 */
import { Rng, RngStream } from '../shared/rng';
import type { SearchField, SearchRange, SearchSpec, SearchStage } from './search-spec';

/** Factor each narrowed bound is moved out by: half a decade. */
export const NARROW_WIDEN = Math.sqrt(10);

/** The values one trial trains with, by field. */
export type TrialValues = Readonly<Partial<Record<SearchField, number>>>;

/** A trial of a previous stage, as narrowing sees it. */
export interface ScoredTrial {
  /** Index of the trial in its stage (breaks ties in validation accuracy: lower first). */
  readonly trial: number;
  readonly values: TrialValues;
  /** Best validation accuracy, in [0, 1]. */
  readonly valAcc: number;
  /** False when it diverged, failed or was cancelled: such trials never steer the narrowing. */
  readonly finished: boolean;
}

/** The values of trial `trial` of stage `stage` (both 0-based), each log-uniform in its range. */
export function sampleTrial(
  ranges: readonly SearchRange[],
  seed: number,
  stage: number,
  trial: number,
): TrialValues {
  const rng = new Rng(seed, RngStream.search, stage, trial);
  const values: Partial<Record<SearchField, number>> = {};
  for (const r of ranges) {
    const a = Math.log(r.lo);
    const b = Math.log(r.hi);
    // Clamped: exp(log(x)) may round a hair outside [lo, hi].
    values[r.field] = Math.min(r.hi, Math.max(r.lo, Math.exp(a + rng.uniform() * (b - a))));
  }
  return values;
}

/** The ranges of the next stage: around the best `keep` finished trials, widened by NARROW_WIDEN, clipped. */
export function narrowRanges(
  ranges: readonly SearchRange[],
  previous: readonly ScoredTrial[],
  keep: number,
): SearchRange[] {
  const top = previous
    .filter((t) => t.finished)
    .sort((a, b) => b.valAcc - a.valAcc || a.trial - b.trial)
    .slice(0, keep);
  if (top.length === 0) return [...ranges];
  return ranges.map((r) => {
    const vs = top.map((t) => t.values[r.field]).filter((v): v is number => v !== undefined);
    if (vs.length === 0) return r;
    return {
      field: r.field,
      lo: Math.max(r.lo, Math.min(...vs) / NARROW_WIDEN),
      hi: Math.min(r.hi, Math.max(...vs) * NARROW_WIDEN),
    };
  });
}

/**
 * The spec `raw` (a search job's spec as submitted) without its search block and with `values` set in
 * train: `reg` sets the L2 strength (`reg: v`, or `l2`/`elasticNet.l2` of a reg mapping), every other
 * field itself. The rest (epochs, stopIfLossAbove, …) is the user's own: ready to train for longer.
 */
export function specWithValues(raw: Record<string, unknown>, values: TrialValues): Record<string, unknown> {
  const spec = structuredClone(raw);
  delete spec.search;
  const train = { ...((spec.train ?? {}) as Record<string, unknown>) };
  for (const [field, v] of Object.entries(values)) {
    if (field === 'reg') train.reg = withL2(train.reg, v);
    else train[field] = v;
  }
  spec.train = train;
  return spec;
}

/** The spec of one trial: the values, the stage's epochs and the search's stopIfLossAbove. */
export function trialSpecOf(
  raw: Record<string, unknown>,
  values: TrialValues,
  search: SearchSpec,
  stage: number,
  trial: number,
): Record<string, unknown> {
  const s: SearchStage = search.stages[stage];
  const spec = specWithValues(raw, values);
  const name = typeof raw.name === 'string' && raw.name.length > 0 ? raw.name : 'job';
  spec.name = `${name}-s${stage + 1}-t${trial}`;
  spec.train = { ...(spec.train as object), epochs: s.epochs, stopIfLossAbove: search.stopIfLossAbove };
  return spec;
}

function withL2(reg: unknown, l2: number): unknown {
  if (reg === null || typeof reg !== 'object' || Array.isArray(reg)) return l2;
  const o = reg as Record<string, unknown>;
  if (o.elasticNet !== null && typeof o.elasticNet === 'object') {
    return { ...o, elasticNet: { ...(o.elasticNet as object), l2 } };
  }
  return { ...o, l2 };
}
