/**
 * Regularisers of the recipe, applied to weights only (biases are excluded):
 *   loss      R = Σ_W ( λ2/2 · ‖W‖² + λ1 · Σ|w| )
 *   gradient  ∂R/∂w = λ2 · w + λ1 · sign(w)        (sign(0) = 0)
 *   max-norm  after each update, every unit's incoming weight vector is scaled back to ‖w‖₂ ≤ c.
 * These run on the coordinator on the averaged gradient, as plain loops (no kernels).
 */
import type { Data } from '../../kernels/spec';
import { specError } from '../shared/errors';
import { expectKeys, isObject, nonNegativeNumber, show } from './spec-fields';
import type { ParamInfo } from './types';

/** Regularisation strengths; 0 turns a term off. */
export interface RegSpec {
  /** λ2, the L2 strength (the recipe's `reg`). */
  readonly l2: number;
  /** λ1, the L1 strength. */
  readonly l1: number;
  /** Max-norm bound c on each unit's incoming weights (0 = off). */
  readonly maxNorm: number;
}

/** No regularisation. */
export const NO_REG: RegSpec = { l2: 0, l1: 0, maxNorm: 0 };

/**
 * Parses `reg` at `field`: a plain number is the L2 strength; otherwise {l2?, l1?, elasticNet?: {l1, l2},
 * maxNorm?}, every value finite and ≥ 0. Absent (undefined or null) means no regularisation.
 */
export function parseReg(raw: unknown, field: string): RegSpec {
  if (raw === undefined || raw === null) return NO_REG;
  if (typeof raw === 'number') return { ...NO_REG, l2: nonNegativeNumber(raw, field, 'reg: 1e-4') };
  if (!isObject(raw)) {
    throw specError(
      field,
      `must be a number (the L2 strength) or {l2, l1, elasticNet, maxNorm}, got ${show(raw)}`,
    );
  }
  expectKeys(raw, ['l2', 'l1', 'elasticNet', 'maxNorm'], field);
  let l2 = raw.l2 === undefined ? 0 : nonNegativeNumber(raw.l2, `${field}.l2`, 'l2: 1e-4');
  let l1 = raw.l1 === undefined ? 0 : nonNegativeNumber(raw.l1, `${field}.l1`, 'l1: 1e-5');
  if (raw.elasticNet !== undefined) {
    const en = raw.elasticNet;
    const f = `${field}.elasticNet`;
    if (raw.l1 !== undefined || raw.l2 !== undefined) {
      throw specError(f, 'sets l1 and l2 together; give either elasticNet or l1/l2, not both');
    }
    if (!isObject(en))
      throw specError(f, `must be {l1, l2}, got ${show(en)}; e.g. elasticNet: {l1: 1e-5, l2: 1e-4}`);
    expectKeys(en, ['l1', 'l2'], f);
    l1 = nonNegativeNumber(en.l1, `${f}.l1`, 'l1: 1e-5');
    l2 = nonNegativeNumber(en.l2, `${f}.l2`, 'l2: 1e-4');
  }
  const maxNorm =
    raw.maxNorm === undefined ? 0 : nonNegativeNumber(raw.maxNorm, `${field}.maxNorm`, 'maxNorm: 3');
  return { l2, l1, maxNorm };
}

function checkLengths(infos: readonly ParamInfo[], arrays: readonly Data[], what: string): void {
  if (arrays.length !== infos.length) {
    throw new Error(`expected ${infos.length} ${what} arrays, got ${arrays.length}`);
  }
}

/** R = Σ over weights of λ2/2·‖W‖² + λ1·Σ|w| (biases excluded), accumulated in float64. */
export function regularizationLoss(
  infos: readonly ParamInfo[],
  params: readonly Data[],
  reg: RegSpec,
): number {
  checkLengths(infos, params, 'parameter');
  if (reg.l2 === 0 && reg.l1 === 0) return 0;
  let squares = 0;
  let absolutes = 0;
  infos.forEach((info, i) => {
    if (info.kind !== 'weight') return;
    const w = params[i];
    for (let j = 0; j < w.length; j++) {
      squares += w[j] * w[j];
      absolutes += Math.abs(w[j]);
    }
  });
  return (reg.l2 / 2) * squares + reg.l1 * absolutes;
}

/** grads[i] += λ2·w + λ1·sign(w) for every weight, in place (sign(0) = 0; biases untouched). */
export function addRegularizationGradient(
  infos: readonly ParamInfo[],
  params: readonly Data[],
  grads: readonly Data[],
  reg: RegSpec,
): void {
  checkLengths(infos, params, 'parameter');
  checkLengths(infos, grads, 'gradient');
  if (reg.l2 === 0 && reg.l1 === 0) return;
  infos.forEach((info, i) => {
    if (info.kind !== 'weight') return;
    const w = params[i];
    const g = grads[i];
    for (let j = 0; j < w.length; j++) g[j] += reg.l2 * w[j] + reg.l1 * Math.sign(w[j]);
  });
}

/**
 * Clamps each unit's incoming weight vector to ‖w‖₂ ≤ maxNorm, in place: the columns of an affine weight
 * [D_in, D_out] and the filters of a conv weight [O, C, KH, KW]. Vectors already within the bound are left
 * untouched. A no-op when maxNorm is 0.
 */
export function applyMaxNorm(infos: readonly ParamInfo[], params: readonly Data[], maxNorm: number): void {
  checkLengths(infos, params, 'parameter');
  if (maxNorm === 0) return;
  infos.forEach((info, i) => {
    if (info.kind !== 'weight') return;
    if (info.shape.length === 2) clampColumns(params[i], info.shape[0], info.shape[1], maxNorm);
    else if (info.shape.length === 4)
      clampRows(params[i], info.shape[0], params[i].length / info.shape[0], maxNorm);
    else
      throw new Error(
        `${info.name}: max-norm needs a [D_in, D_out] or [O, C, KH, KW] weight, got [${info.shape}]`,
      );
  });
}

/** Column j of w [rows, cols] is one affine unit's incoming weights. */
function clampColumns(w: Data, rows: number, cols: number, c: number): void {
  for (let j = 0; j < cols; j++) {
    let sq = 0;
    for (let r = 0; r < rows; r++) sq += w[r * cols + j] * w[r * cols + j];
    const norm = Math.sqrt(sq);
    if (norm <= c) continue;
    const factor = c / norm;
    for (let r = 0; r < rows; r++) w[r * cols + j] *= factor;
  }
}

/** Row o of w [units, perUnit] (a conv filter, flattened) is one unit's incoming weights. */
function clampRows(w: Data, units: number, perUnit: number, c: number): void {
  for (let o = 0; o < units; o++) {
    const base = o * perUnit;
    let sq = 0;
    for (let k = 0; k < perUnit; k++) sq += w[base + k] * w[base + k];
    const norm = Math.sqrt(sq);
    if (norm <= c) continue;
    const factor = c / norm;
    for (let k = 0; k < perUnit; k++) w[base + k] *= factor;
  }
}
