/** Picks the first layer's weight out of a model's parameters, for the weight grid. */
import type { ParamInfo } from '../model/types';

/** A weight tensor and its shape. */
export interface WeightTensor {
  readonly weight: ArrayLike<number>;
  readonly shape: readonly number[];
}

/**
 * The first weight in parameter order (the first conv or affine layer's: `conv1.weight` or `fc1.weight`),
 * from `params` in the order of `infos` (a Sequential's `params`); null if there is none.
 */
export function firstLayerWeight(
  infos: readonly ParamInfo[],
  params: readonly ArrayLike<number>[],
): WeightTensor | null {
  const i = infos.findIndex((p) => p.kind === 'weight');
  return i < 0 ? null : { weight: params[i], shape: infos[i].shape };
}
