import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { conv2dWithFilterGrad } from '../../../bench/tfjs/tf-net';
import { startTf } from '../../../bench/tfjs/tf-train';

/** ∂(Σ conv(x, w) · r)/∂x and /∂w on the current TF.js backend, through `conv`. */
function grads(
  conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  x: Float32Array,
  w: Float32Array,
  r: Float32Array,
): { dx: Float32Array; dw: Float32Array } {
  const xt = tf.tensor4d(x, [2, 7, 6, 3]);
  const wt = tf.tensor4d(w, [5, 5, 3, 4]);
  const rt = tf.tensor4d(r, [2, 7, 6, 4]);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), rt)),
  );
  const [dx, dw] = g([xt, wt]);
  const out = { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  tf.dispose([xt, wt, rt, dx, dw]);
  return out;
}

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

describe('the TF.js conv filter gradient supplied by bench/tfjs', () => {
  it("matches TF.js's own Conv2DBackpropFilter (cpu backend), computed on the wasm backend", async () => {
    const x = random(2 * 7 * 6 * 3, 1);
    const w = random(5 * 5 * 3 * 4, 2);
    const r = random(2 * 7 * 6 * 4, 3);
    await startTf('cpu');
    const want = grads((a, b) => tf.conv2d(a, b, 1, 2), x, w, r);
    const wasm = await startTf('wasm');
    assert.equal(wasm.backend, 'wasm');
    assert.throws(() => grads((a, b) => tf.conv2d(a, b, 1, 2), x, w, r), /Conv2DBackpropFilter/);
    const got = grads((a, b) => conv2dWithFilterGrad(a, b, 2), x, w, r);
    for (const k of ['dx', 'dw'] as const) {
      assert.equal(got[k].length, want[k].length);
      const scale = Math.max(...want[k].map(Math.abs));
      for (let i = 0; i < want[k].length; i++) {
        assert.ok(
          Math.abs(got[k][i] - want[k][i]) <= 1e-4 * scale,
          `${k}[${i}]: ${got[k][i]} vs ${want[k][i]}`,
        );
      }
    }
  });
});
