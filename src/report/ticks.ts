/** "Nice" axis ticks (multiples of 1, 2 or 5 × 10^k) and their labels. */

/** Tick values covering [min, max] with at most about `target` intervals; min < max. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  const raw = (max - min) / target;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  // Multiplying (not accumulating) keeps 0.1·3 from becoming 0.30000000000000004 in the labels' input.
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** [lo, hi] widened outward to whole tick steps, with the ticks of the widened range. */
export function niceRange(lo: number, hi: number, target = 5): { min: number; max: number; ticks: number[] } {
  const inner = niceTicks(lo, hi, target);
  const step = inner.length > 1 ? inner[1] - inner[0] : hi - lo;
  const min = Number((Math.floor(lo / step + 1e-9) * step).toPrecision(12));
  const max = Number((Math.ceil(hi / step - 1e-9) * step).toPrecision(12));
  return { min, max, ticks: niceTicks(min, max, target) };
}

/** A tick label: as many decimals as the spacing needs, or e-notation for very large or small values. */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || (a < 1e-3 && step < 1e-3)) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals, 6));
}

/** The range a set of values is drawn over: their min and max, widened when they are all equal. */
export function dataRange(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo < hi) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}
