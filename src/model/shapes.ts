/**
 * Per-sample shape chaining through a layer list. Shapes are [C, H, W] for images and [D] for vectors;
 * conv and pool need an image, affine flattens whatever comes in, relu and dropout keep the shape.
 */
import { convOutSize } from '../../kernels/defs/conv';
import { sizeOf } from '../../kernels/spec';
import { specError } from '../shared/errors';
import type { LayerSpec, ModelSpec } from './types';

function describe(shape: readonly number[]): string {
  return shape.length === 3 ? `${shape[0]}×${shape[1]}×${shape[2]} image` : `vector of ${sizeOf(shape)}`;
}

/**
 * The per-sample output shape of `layer` for a per-sample `input`. Throws E_BAD_SPEC at `field`
 * (e.g. `model.layers[2]`) when the layer cannot take that input.
 */
export function layerOutputShape(layer: LayerSpec, input: readonly number[], field: string): number[] {
  switch (layer.type) {
    case 'relu':
    case 'dropout':
      return [...input];
    case 'affine':
      return [layer.units];
    case 'conv': {
      const [, h, w] = imageInput(input, `${field}.conv`, 'conv');
      const oh = convOutSize(h, layer.size, layer.stride, layer.pad);
      const ow = convOutSize(w, layer.size, layer.stride, layer.pad);
      if (oh < 1 || ow < 1) {
        throw specError(
          `${field}.conv`,
          `a ${layer.size}×${layer.size} filter with pad ${layer.pad} does not fit its ${h}×${w} input; ` +
            'use a smaller size or more padding',
        );
      }
      return [layer.filters, oh, ow];
    }
    case 'pool': {
      const [c, h, w] = imageInput(input, `${field}.pool`, 'pool');
      if (layer.size > h || layer.size > w) {
        throw specError(
          `${field}.pool`,
          `window ${layer.size} is larger than its ${h}×${w} input; use a smaller size or remove the layer`,
        );
      }
      return [
        c,
        Math.floor((h - layer.size) / layer.stride) + 1,
        Math.floor((w - layer.size) / layer.stride) + 1,
      ];
    }
  }
}

function imageInput(input: readonly number[], field: string, type: string): readonly number[] {
  if (input.length !== 3) {
    throw specError(
      field,
      `${type} needs an image input [C, H, W] but gets a ${describe(input)}; ` +
        `put ${type} layers before the first affine layer and give model.input as [C, H, W]`,
    );
  }
  return input;
}

/**
 * Checks a whole spec's layer chain and returns each layer's per-sample output shape. Also enforces that
 * the last layer is an affine layer with at least 2 units (the class scores). Errors name `<field>.layers[i]`.
 */
export function inferShapes(spec: ModelSpec, field = 'model'): number[][] {
  checkInput(spec.input, `${field}.input`);
  if (spec.layers.length === 0) {
    throw specError(
      `${field}.layers`,
      'is empty; list the layers, ending with {affine: <number of classes>}',
    );
  }
  const shapes: number[][] = [];
  let shape: readonly number[] = spec.input;
  spec.layers.forEach((layer, i) => {
    shape = layerOutputShape(layer, shape, `${field}.layers[${i}]`);
    shapes.push([...shape]);
  });
  const lastIndex = spec.layers.length - 1;
  const last = spec.layers[lastIndex];
  if (last.type !== 'affine') {
    throw specError(
      `${field}.layers[${lastIndex}]`,
      `the last layer must be affine (it computes the class scores), got ${last.type}; ` +
        'end with {affine: <number of classes>}',
    );
  }
  if (last.units < 2) {
    throw specError(
      `${field}.layers[${lastIndex}].affine`,
      `the last affine layer gives one score per class and needs at least 2 units, got ${last.units}`,
    );
  }
  return shapes;
}

/** model.input is [C, H, W] or [D], all positive integers. */
export function checkInput(input: unknown, field: string): number[] {
  const ok =
    Array.isArray(input) &&
    (input.length === 1 || input.length === 3) &&
    input.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1);
  if (!ok) {
    throw specError(
      field,
      `must be [C, H, W] for images or [D] for vectors, with positive integers, got ${JSON.stringify(input) ?? 'nothing'}; ` +
        'e.g. input: [1, 28, 28] or input: [784]',
    );
  }
  return [...(input as number[])];
}
