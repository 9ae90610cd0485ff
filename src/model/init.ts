/**
 * Weight initialisation: w = N(0, 1) · scale with scale = std ('gaussian'), sqrt(2/fanIn) (He) or
 * sqrt(1/fanIn) (Xavier); every bias starts at spec.biasInit.
 */
import { sizeOf } from '../../kernels/spec';
import { Rng, RngStream } from '../shared/rng';
import type { Sequential } from './sequential';
import type { InitSpec } from './types';

/** The standard deviation `init` gives a weight with `fanIn` inputs per unit. */
export function initScale(init: InitSpec, fanIn: number): number {
  switch (init.type) {
    case 'gaussian':
      return init.std;
    case 'he':
      return Math.sqrt(2 / fanIn);
    case 'xavier':
      return Math.sqrt(1 / fanIn);
  }
}

/**
 * Initial parameters in `net.params` order. Parameter i draws from Rng(seed, RngStream.init, i), one
 * normal per element in order, in float64; only the final store into `alloc`'s array rounds, so the values
 * are the same on every backend up to that rounding.
 */
export function initParams(
  net: Sequential,
  seed: number,
  alloc: (n: number) => Float32Array | Float64Array,
): (Float32Array | Float64Array)[] {
  return net.params.map((info, i) => {
    const data = alloc(sizeOf(info.shape));
    if (info.kind === 'bias') {
      data.fill(net.spec.biasInit);
      return data;
    }
    const scale = initScale(net.spec.init, info.fanIn);
    const rng = new Rng(seed, RngStream.init, i);
    for (let j = 0; j < data.length; j++) data[j] = rng.normal() * scale;
    return data;
  });
}
