/**
 * A gradpool model spec rebuilt in TensorFlow.js ops (NHWC), starting from gradpool's own initial
 * parameters, so both frameworks train the same network from the same point. TF.js's stock wasm backend
 * has no Conv2DBackpropFilter kernel; `conv2dFilterGrad` supplies it (as a convolution over the batch)
 * through tf.customGrad, on the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Data } from '../../kernels/spec';
import type { LayerSpec, ModelSpec } from '../../src/model/types';

/** A network as TF.js variables and a forward function. */
export interface TfNet {
  readonly vars: tf.Variable[];
  /** Class scores [n, classes] for a batch [n, ...input] (NHWC for images). */
  forward(x: tf.Tensor): tf.Tensor2D;
}

/**
 * ∂L/∂w of a stride-1 convolution with symmetric padding `pad`, itself computed as a convolution with the
 * batch as the channel axis: dW[ky, kx, c, o] = Σ_n Σ_{i,j} xp[n, i+ky, j+kx, c] · dY[n, i, j, o], i.e. the
 * valid convolution of xpᵀ = [C, H+2p, W+2p, N] with the filter dYᵀ = [Ho, Wo, N, outC], giving
 * [C, kh, kw, outC], transposed to TF.js's filter layout [kh, kw, C, outC]. It runs on the backend's own
 * Conv2D kernel (XNNPACK on wasm); an im2col + matmul version of the same sum was 20× slower there.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, pad: number): tf.Tensor4D {
  return tf.tidy(() => {
    const xp =
      pad > 0
        ? tf.pad(x, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ])
        : x;
    const byChannel = tf.transpose(xp, [3, 1, 2, 0]);
    const filter = tf.transpose(dy, [1, 2, 0, 3]);
    return tf.transpose(tf.conv2d(byChannel, filter, 1, 'valid'), [1, 2, 0, 3]);
  });
}

/** A stride-1 convolution whose gradients are conv2dTranspose (input) and conv2dFilterGrad (filter). */
export function conv2dWithFilterGrad(x: tf.Tensor4D, w: tf.Tensor4D, pad: number): tf.Tensor4D {
  // tf.customGrad's callback takes the inputs, then the save function, as one variadic argument list.
  const f = tf.customGrad(((xIn: tf.Tensor4D, wIn: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const xs = xIn;
    const ws = wIn;
    save([xs, ws]);
    return {
      value: tf.conv2d(xs, ws, 1, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        const d = dy as tf.Tensor4D;
        return [tf.conv2dTranspose(d, sw, sx.shape, 1, pad), conv2dFilterGrad(sx, d, pad)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as tf.Tensor4D;
}

/**
 * Builds `model` (affine, relu, stride-1 conv, max pool) from gradpool parameters `initial` (model order,
 * gradpool layouts: affine [in, out], conv [outC, inC, kh, kw] → TF.js [kh, kw, inC, outC]).
 * `customConvGrad` routes convolutions through conv2dWithFilterGrad.
 */
export function buildTfNet(model: ModelSpec, initial: readonly Data[], customConvGrad: boolean): TfNet {
  const vars: tf.Variable[] = [];
  const steps: ((x: tf.Tensor) => tf.Tensor)[] = [];
  let p = 0;
  const take = (shape: readonly number[]) => tf.tensor(Float32Array.from(initial[p++]), [...shape]);
  let spatial = model.input.length === 3;
  for (const layer of model.layers) steps.push(layerStep(layer));
  return {
    vars,
    forward: (x) => steps.reduce((h, f) => f(h), x) as tf.Tensor2D,
  };

  function layerStep(layer: LayerSpec): (x: tf.Tensor) => tf.Tensor {
    switch (layer.type) {
      case 'relu':
        return (x) => tf.relu(x);
      case 'pool':
        return (x) => tf.maxPool(x as tf.Tensor4D, layer.size, layer.stride, 'valid');
      case 'conv': {
        if (layer.stride !== 1) throw new Error('the TF.js bench supports stride-1 convolutions only');
        const src = initial[p];
        const w = tf.variable(
          tf
            .tensor4d(Float32Array.from(src), [
              layer.filters,
              src.length / (layer.filters * layer.size ** 2),
              layer.size,
              layer.size,
            ])
            .transpose([2, 3, 1, 0]),
        );
        p++;
        const b = tf.variable(take([layer.filters]));
        vars.push(w, b);
        const pad = layer.pad;
        return (x) => {
          const z = customConvGrad
            ? conv2dWithFilterGrad(x as tf.Tensor4D, w as tf.Tensor4D, pad)
            : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad);
          return tf.add(z, b);
        };
      }
      case 'affine': {
        const w = tf.variable(take([initial[p].length / layer.units, layer.units]));
        const b = tf.variable(take([layer.units]));
        vars.push(w, b);
        // gradpool flattens NCHW; TF.js holds NHWC: transpose first so the weight rows match.
        const flattenNchw = spatial;
        spatial = false;
        return (x) => {
          const h = flattenNchw ? tf.transpose(x, [0, 3, 1, 2]) : x;
          return tf.add(tf.matMul(h.reshape([h.shape[0], -1]), w), b);
        };
      }
      case 'dropout':
        throw new Error('the TF.js bench has no dropout');
    }
  }
}
