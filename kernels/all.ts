/** The kernel registry: this list is the only place kernels are registered. */
import type { KernelName } from './names';
import type { KernelSpec } from './spec';
import { biasAddSpec, biasGradSpec } from './defs/bias';
import { conv2dBackpropFilterSpec, conv2dBackpropInputSpec, conv2dSpec } from './defs/conv';
import { mulSpec, reluGradSpec, reluSpec, scaleSpec } from './defs/elementwise';
import {
  hingeLossGradSpec,
  hingeLossSpec,
  softmaxCrossEntropyGradSpec,
  softmaxCrossEntropySpec,
} from './defs/losses';
import { matMulSpec } from './defs/matmul';
import { maxPoolGradSpec, maxPoolSpec } from './defs/pool';
import { argMaxSpec, reduceSumSpec } from './defs/reduce';

/** Every kernel spec, one per kernel name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ALL_KERNELS: readonly KernelSpec<any>[] = [
  matMulSpec,
  biasAddSpec,
  biasGradSpec,
  conv2dSpec,
  conv2dBackpropInputSpec,
  conv2dBackpropFilterSpec,
  maxPoolSpec,
  maxPoolGradSpec,
  reluSpec,
  reluGradSpec,
  mulSpec,
  scaleSpec,
  softmaxCrossEntropySpec,
  softmaxCrossEntropyGradSpec,
  hingeLossSpec,
  hingeLossGradSpec,
  reduceSumSpec,
  argMaxSpec,
];

/** Looks up a kernel spec by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function kernelSpec(name: KernelName): KernelSpec<any> {
  const spec = ALL_KERNELS.find((k) => k.name === name);
  if (!spec) throw new Error(`unknown kernel ${name}`);
  return spec;
}
