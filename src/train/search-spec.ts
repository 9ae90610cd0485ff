/**
 * The `search:` block of a job spec: a random search of train hyper-parameters, coarse to fine. Each
 * searched field has a range [lo, hi] (0 < lo < hi) sampled uniformly in log space; the search runs in
 * stages, and every stage after the first narrows the ranges around the best trials of the one before
 * (see search-plan.ts). Validation names the field path, like the rest of the job spec.
 */
import { specError } from '../shared/errors';
import { asObject, describe, onlyKeys, positiveInt, positiveNumber } from '../shared/validate';

/** Train fields a search may sample (every real-valued one; `reg` is the L2 strength). */
export const SEARCHABLE_FIELDS = [
  'learningRate',
  'reg',
  'momentum',
  'learningRateDecay',
  'decayRate',
  'beta1',
  'beta2',
  'epsilon',
] as const;

/** A train field a search may sample. */
export type SearchField = (typeof SEARCHABLE_FIELDS)[number];

/** One sampled range: log-uniform over [lo, hi]. */
export interface SearchRange {
  readonly field: SearchField;
  readonly lo: number;
  readonly hi: number;
}

/** One stage of a search. */
export interface SearchStage {
  /** Trials sampled in this stage. */
  readonly trials: number;
  /** Epochs each trial trains for. */
  readonly epochs: number;
  /** Best trials of the previous stage the ranges are narrowed around (unused by the first stage). */
  readonly keep: number;
}

/** A validated search block. */
export interface SearchSpec {
  /** The searched fields, in SEARCHABLE_FIELDS order. */
  readonly ranges: readonly SearchRange[];
  /** At least one stage. */
  readonly stages: readonly SearchStage[];
  /** A trial stops as diverged when its cost exceeds this × its first cost (default 3); NaN always stops it. */
  readonly stopIfLossAbove: number;
  /** Trials trained at the same time (default 4). */
  readonly concurrency: number;
}

/** Defaults of the search block. */
export const SEARCH_DEFAULTS = Object.freeze({
  trials: 20,
  epochs: 1,
  keep: 3,
  stopIfLossAbove: 3,
  concurrency: 4,
});

/** Fields whose value must stay below 1 (open) or at most 1 (closed), as train requires. */
const UPPER_BOUNDS: Partial<Record<SearchField, { readonly max: number; readonly open: boolean }>> = {
  momentum: { max: 1, open: true },
  decayRate: { max: 1, open: true },
  beta1: { max: 1, open: true },
  beta2: { max: 1, open: true },
  learningRateDecay: { max: 1, open: false },
};

const SETTINGS = ['trials', 'epochs', 'stopIfLossAbove', 'concurrency', 'stages'] as const;

/** Parses `raw` (the value of `search:`), naming `field` (default "search") in errors. */
export function parseSearchSpec(raw: unknown, field = 'search'): SearchSpec {
  const o = asObject(raw, field);
  onlyKeys(o, [...SEARCHABLE_FIELDS, ...SETTINGS], field);
  const ranges: SearchRange[] = [];
  for (const name of SEARCHABLE_FIELDS) {
    if (o[name] !== undefined) ranges.push(parseRange(o[name], name, `${field}.${name}`));
  }
  if (ranges.length === 0) {
    throw specError(
      field,
      `gives no range to search; add at least one, e.g. learningRate: [1e-6, 1e-1] (fields: ${SEARCHABLE_FIELDS.join(', ')})`,
    );
  }
  const trials = o.trials === undefined ? SEARCH_DEFAULTS.trials : positiveInt(o.trials, `${field}.trials`);
  const epochs = o.epochs === undefined ? SEARCH_DEFAULTS.epochs : positiveInt(o.epochs, `${field}.epochs`);
  const stages =
    o.stages === undefined
      ? [{ trials, epochs, keep: SEARCH_DEFAULTS.keep }]
      : parseStages(o.stages, { trials, epochs }, `${field}.stages`);
  return {
    ranges,
    stages,
    stopIfLossAbove:
      o.stopIfLossAbove === undefined
        ? SEARCH_DEFAULTS.stopIfLossAbove
        : positiveNumber(o.stopIfLossAbove, `${field}.stopIfLossAbove`),
    concurrency:
      o.concurrency === undefined
        ? SEARCH_DEFAULTS.concurrency
        : positiveInt(o.concurrency, `${field}.concurrency`),
  };
}

/** Checks the search against the raw train block it varies (fields that must not be combined). */
export function checkSearchFitsTrain(
  search: SearchSpec,
  rawTrain: Record<string, unknown>,
  field = 'search',
): void {
  const searched = new Set(search.ranges.map((r) => r.field));
  if (searched.has('learningRateDecay') && rawTrain.schedule !== undefined) {
    throw specError(
      `${field}.learningRateDecay`,
      'train.schedule is set, and a schedule replaces learningRateDecay; drop one of them',
    );
  }
}

/** A range `[lo, hi]` with 0 < lo < hi, within the field's own bounds. */
function parseRange(raw: unknown, name: SearchField, field: string): SearchRange {
  const example = name === 'learningRate' ? '[1e-6, 1e-1]' : name === 'reg' ? '[1e-5, 1e1]' : '[0.5, 0.99]';
  if (!Array.isArray(raw) || raw.length !== 2) {
    throw specError(
      field,
      `must be a range [lo, hi] sampled in log space, e.g. ${example}; got ${describe(raw)}`,
    );
  }
  const [lo, hi] = raw as unknown[];
  for (const v of [lo, hi]) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw specError(
        field,
        `bounds must be finite numbers greater than 0 (the range is sampled in log space), got ${describe(v)}`,
      );
    }
  }
  if (!((lo as number) < (hi as number))) {
    throw specError(field, `needs lo < hi, got [${String(lo)}, ${String(hi)}]`);
  }
  const bound = UPPER_BOUNDS[name];
  if (bound && (bound.open ? (hi as number) >= bound.max : (hi as number) > bound.max)) {
    throw specError(
      field,
      `hi must be ${bound.open ? 'below' : 'at most'} ${bound.max} (train.${name}'s own limit), got ${String(hi)}`,
    );
  }
  return { field: name, lo: lo as number, hi: hi as number };
}

function parseStages(
  raw: unknown,
  defaults: { trials: number; epochs: number },
  field: string,
): SearchStage[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw specError(field, `must be a non-empty list of {trials, epochs, keep}, got ${describe(raw)}`);
  }
  const stages: SearchStage[] = [];
  raw.forEach((item, i) => {
    const f = `${field}[${i}]`;
    const o = asObject(item, f);
    onlyKeys(o, ['trials', 'epochs', 'keep'], f);
    if (i === 0 && o.keep !== undefined) {
      throw specError(`${f}.keep`, 'the first stage has no previous stage to keep trials of; remove keep');
    }
    const trials = o.trials === undefined ? defaults.trials : positiveInt(o.trials, `${f}.trials`);
    const epochs = o.epochs === undefined ? defaults.epochs : positiveInt(o.epochs, `${f}.epochs`);
    const previous = stages[i - 1];
    const keep =
      o.keep === undefined
        ? Math.min(SEARCH_DEFAULTS.keep, previous?.trials ?? SEARCH_DEFAULTS.keep)
        : positiveInt(o.keep, `${f}.keep`);
    if (previous && keep > previous.trials) {
      throw specError(
        `${f}.keep`,
        `must not exceed the previous stage's ${previous.trials} trials, got ${keep}`,
      );
    }
    stages.push({ trials, epochs, keep });
  });
  return stages;
}
