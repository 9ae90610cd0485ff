/**
 * The trainer's reduction of shard gradient sums: g = (((0 + s_0) + s_1) + …) / count, elementwise, each
 * addition and the division rounded to g's element type — exactly what `g[j] += s[j]` shard after shard
 * and then `g[j] /= count` store, in one pass over memory instead of one per shard (about twice as fast on
 * a float32 step of the two-layer net, where this runs on the calling thread between every two steps).
 */
import type { Data } from '../../kernels/spec';

/** Writes Σ_s sources[s] / count into `g` (every source as long as g); see the file comment. */
export function sumShardsInto(g: Data, sources: readonly Data[], count: number): void {
  for (const s of sources) {
    if (s.length !== g.length)
      throw new RangeError(`a shard sum has ${s.length} values, expected ${g.length}`);
  }
  if (g instanceof Float32Array && sources.every((s) => s instanceof Float32Array)) {
    sumFloat32(g, sources as readonly Float32Array[], count);
    return;
  }
  g.fill(0);
  for (const s of sources) for (let j = 0; j < g.length; j++) g[j] += s[j];
  for (let j = 0; j < g.length; j++) g[j] /= count;
}

/** The float32 case: Math.fround after each addition is the rounding a Float32Array store does. */
function sumFloat32(g: Float32Array, sources: readonly Float32Array[], count: number): void {
  const n = g.length;
  const f = Math.fround;
  switch (sources.length) {
    case 1: {
      const [a] = sources;
      for (let j = 0; j < n; j++) g[j] = f(0 + a[j]) / count;
      return;
    }
    case 2: {
      const [a, b] = sources;
      for (let j = 0; j < n; j++) g[j] = f(f(0 + a[j]) + b[j]) / count;
      return;
    }
    case 3: {
      const [a, b, c] = sources;
      for (let j = 0; j < n; j++) g[j] = f(f(f(0 + a[j]) + b[j]) + c[j]) / count;
      return;
    }
    case 4: {
      const [a, b, c, d] = sources;
      for (let j = 0; j < n; j++) g[j] = f(f(f(f(0 + a[j]) + b[j]) + c[j]) + d[j]) / count;
      return;
    }
    default: {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (const s of sources) acc = f(acc + s[j]);
        g[j] = acc / count;
      }
    }
  }
}
