import * as assert from 'node:assert/strict';
import { sizeOf, type Data, type Tensor } from '../../../kernels/spec';
import { ReferenceRunner } from '../../../src/backend/reference';
import { AffineLayer } from '../../../src/model/layers/affine';
import { ConvLayer } from '../../../src/model/layers/conv';
import { DropoutLayer } from '../../../src/model/layers/dropout';
import type { Layer } from '../../../src/model/layers/layer';
import { PoolLayer } from '../../../src/model/layers/pool';
import { ReluLayer } from '../../../src/model/layers/relu';
import { layerOutputShape } from '../../../src/model/shapes';
import type { ForwardContext, LayerSpec } from '../../../src/model/types';
import { Rng } from '../../../src/shared/rng';
import {
  awayFromZero,
  distinctArray,
  dot,
  numericGradient,
  relativeError,
  report,
  tensor,
  uniformArray,
} from './grad-util';

const runner = new ReferenceRunner();
const noise = (n: number, first = 0) => ({
  seed: 11,
  step: 3,
  rows: Array.from({ length: n }, (_, i) => first + i),
});
const train = (n: number): ForwardContext => ({ runner, training: true, noise: noise(n) });
const test: ForwardContext = { runner, training: false };

/** Builds a layer at index 0 for per-sample input `input`, the way Sequential does. */
function make(spec: LayerSpec, input: number[], index = 0): Layer {
  const out = layerOutputShape(spec, input, 'test');
  switch (spec.type) {
    case 'conv':
      return new ConvLayer('conv1', index, input, out, spec);
    case 'pool':
      return new PoolLayer('pool1', index, input, out, spec.size, spec.stride);
    case 'relu':
      return new ReluLayer('relu1', index, input);
    case 'affine':
      return new AffineLayer('fc1', index, input, spec.units);
    case 'dropout':
      return new DropoutLayer('dropout1', index, input, spec.p, spec.inverted);
  }
}

/**
 * Checks a layer's backward pass against central differences of L = Σ y·r (r uniform in ±1), for the
 * input and every parameter. Returns the relative errors keyed `dx`, `<param name>`.
 */
function checkLayer(layer: Layer, ctx: ForwardContext, x: Tensor, params: Float64Array[], rng: Rng) {
  const { y, saved } = layer.forward(ctx, x, params);
  assert.deepEqual(y.shape, [x.shape[0], ...layer.outputShape]);
  const r = uniformArray(rng, y.data.length);
  const back = layer.backward(ctx, { shape: y.shape, data: r }, saved, params, true);
  const loss = () => dot(layer.forward(ctx, x, params).y.data, r);
  assert.ok(back.dx);
  assert.deepEqual(back.dx.shape, x.shape);
  const errors: Record<string, number> = { dx: relativeError(back.dx.data, numericGradient(loss, x.data)) };
  layer.params.forEach((info, i) => {
    assert.equal(back.grads[i].length, sizeOf(info.shape), info.name);
    errors[info.name] = relativeError(back.grads[i], numericGradient(loss, params[i]));
  });
  assert.equal(back.grads.length, layer.params.length);
  return errors;
}

function expectSmall(label: string, errors: Record<string, number>): void {
  for (const [name, e] of Object.entries(errors)) {
    report(`${label} ${name}`, e);
    assert.ok(e < 1e-6, `${label}: relative error of ${name} is ${e}`);
  }
}

function randomParams(layer: Layer, rng: Rng): Float64Array[] {
  return layer.params.map((p) => uniformArray(rng, sizeOf(p.shape), 0.5));
}

describe('model layers: numeric gradient checks (float64 reference)', () => {
  it('conv with stride 2 and pad 1: dx, dW and db', () => {
    const rng = new Rng(1);
    const layer = make({ type: 'conv', filters: 3, size: 3, stride: 2, pad: 1 }, [2, 7, 7]);
    assert.deepEqual(layer.outputShape, [3, 4, 4]);
    const x = tensor([2, 2, 7, 7], uniformArray(rng, 2 * 2 * 49));
    expectSmall('conv s2 p1', checkLayer(layer, test, x, randomParams(layer, rng), rng));
  });

  it('conv with stride 1, no padding and a non-square input', () => {
    const rng = new Rng(2);
    const layer = make({ type: 'conv', filters: 2, size: 2, stride: 1, pad: 0 }, [3, 5, 4]);
    const x = tensor([3, 3, 5, 4], uniformArray(rng, 3 * 3 * 20));
    expectSmall('conv s1 p0', checkLayer(layer, test, x, randomParams(layer, rng), rng));
  });

  it('affine flattens an image input and reshapes dx back', () => {
    const rng = new Rng(3);
    const layer = make({ type: 'affine', units: 5 }, [2, 3, 2]);
    assert.deepEqual(
      layer.params.map((p) => p.shape),
      [[12, 5], [5]],
    );
    const x = tensor([4, 2, 3, 2], uniformArray(rng, 4 * 12));
    expectSmall('affine', checkLayer(layer, test, x, randomParams(layer, rng), rng));
  });

  it('relu away from 0', () => {
    const rng = new Rng(4);
    const layer = make({ type: 'relu' }, [10]);
    expectSmall('relu', checkLayer(layer, test, tensor([3, 10], awayFromZero(rng, 30)), [], rng));
  });

  it('max pool with non-overlapping windows (size 2, stride 2)', () => {
    const rng = new Rng(5);
    const layer = make({ type: 'pool', size: 2, stride: 2 }, [2, 6, 6]);
    const x = tensor([2, 2, 6, 6], distinctArray(rng, 2 * 2 * 36));
    expectSmall('pool 2/2', checkLayer(layer, test, x, [], rng));
  });

  it('max pool with overlapping windows (size 3, stride 2)', () => {
    const rng = new Rng(6);
    const layer = make({ type: 'pool', size: 3, stride: 2 }, [2, 7, 7]);
    assert.deepEqual(layer.outputShape, [2, 3, 3]);
    const x = tensor([2, 2, 7, 7], distinctArray(rng, 2 * 2 * 49));
    expectSmall('pool 3/2', checkLayer(layer, test, x, [], rng));
  });

  for (const inverted of [false, true]) {
    const mode = inverted ? 'inverted' : 'vanilla';
    it(`${mode} dropout in training (fixed noise keys) and at test time`, () => {
      const rng = new Rng(7);
      const layer = make({ type: 'dropout', p: 0.6, inverted }, [3, 2, 2]);
      const x = tensor([4, 3, 2, 2], uniformArray(rng, 48));
      expectSmall(`dropout ${mode} train`, checkLayer(layer, train(4), x, [], rng));
      expectSmall(`dropout ${mode} test`, checkLayer(layer, test, x, [], rng));
    });
  }
});

describe('conv layer', () => {
  it('adds up the filter gradient over every position and sample (shared weights)', () => {
    const rng = new Rng(8);
    const [n, c, h, w, o, k, stride, pad] = [2, 2, 5, 5, 2, 3, 1, 1];
    const layer = make({ type: 'conv', filters: o, size: k, stride, pad }, [c, h, w]);
    const x = tensor([n, c, h, w], uniformArray(rng, n * c * h * w));
    const params = randomParams(layer, rng);
    const { y, saved } = layer.forward(test, x, params);
    const dy = uniformArray(rng, y.data.length);
    const { grads } = layer.backward(test, { shape: y.shape, data: dy }, saved, params, false);
    // Hand sum: dW[o,c,kh,kw] = Σ_n Σ_(oh,ow) dy[n,o,oh,ow] · x[n,c,oh·S−P+kh, ow·S−P+kw].
    const [oh, ow] = [y.shape[2], y.shape[3]];
    const expected = new Float64Array(o * c * k * k);
    for (let b = 0; b < n; b++)
      for (let f = 0; f < o; f++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++)
            for (let ch = 0; ch < c; ch++)
              for (let kh = 0; kh < k; kh++)
                for (let kw = 0; kw < k; kw++) {
                  const [ih, iw] = [i * stride - pad + kh, j * stride - pad + kw];
                  if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                  expected[((f * c + ch) * k + kh) * k + kw] +=
                    dy[((b * o + f) * oh + i) * ow + j] * x.data[((b * c + ch) * h + ih) * w + iw];
                }
    assert.ok(relativeError(grads[0], expected) < 1e-12);
    // A 1×1 filter under dy = 1 sees every pixel once: dW[o,c] = Σ_{n,h,w} x[n,c,h,w].
    const one = make({ type: 'conv', filters: 1, size: 1, stride: 1, pad: 0 }, [c, h, w]);
    const ones = new Float64Array(n * h * w).fill(1);
    const g = one.backward(
      test,
      tensor([n, 1, h, w], ones),
      x,
      [new Float64Array(c), new Float64Array(1)],
      false,
    );
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) sum += x.data[(b * c + ch) * h * w + p];
      assert.ok(Math.abs(g.grads[0][ch] - sum) < 1e-12);
    }
    assert.equal(g.grads[1][0], n * h * w);
  });

  it('skips dx when the caller does not need it', () => {
    const layer = make({ type: 'conv', filters: 1, size: 1, stride: 1, pad: 0 }, [1, 2, 2]);
    const out = layer.backward(
      test,
      tensor([1, 1, 2, 2], [1, 1, 1, 1]),
      tensor([1, 1, 2, 2], [1, 2, 3, 4]),
      [Float64Array.of(1), Float64Array.of(0)],
      false,
    );
    assert.equal(out.dx, undefined);
    assert.equal(out.grads.length, 2);
  });
});

describe('dropout layer', () => {
  const x = tensor([2, 5], [1, -2, 3, -4, 5, 6, -7, 8, -9, 10]);

  it('vanilla dropout scales by the keep probability p at test time', () => {
    const layer = make({ type: 'dropout', p: 0.25, inverted: false }, [5]);
    const y = layer.forward(test, x, []).y;
    assert.deepEqual(
      Array.from(y.data),
      Array.from(x.data, (v) => 0.25 * v),
    );
  });

  it('inverted dropout is the identity at test time and scales kept units by 1/p in training', () => {
    const layer = make({ type: 'dropout', p: 0.25, inverted: true }, [5]);
    assert.deepEqual(Array.from(layer.forward(test, x, []).y.data), Array.from(x.data));
    const y = layer.forward(train(2), x, []).y.data;
    y.forEach((v, i) => assert.ok(v === 0 || v === x.data[i] * 4, `element ${i}: ${v}`));
  });

  it('keeps about a fraction p of the units', () => {
    const layer = make({ type: 'dropout', p: 0.3, inverted: false }, [1000]);
    const ones = tensor([20, 1000], new Float64Array(20000).fill(1));
    const y = layer.forward(train(20), ones, []).y.data;
    let sum = 0;
    for (const v of y) sum += v;
    const kept = sum / y.length;
    assert.ok(Math.abs(kept - 0.3) < 0.01, `kept ${kept}`);
  });

  it("gives a row the same mask whichever shard it is in (keyed by the row's position in the batch)", () => {
    const layer = make({ type: 'dropout', p: 0.5, inverted: false }, [4, 3], 5) as DropoutLayer;
    const full = layer.mask(train(6), [6, 4, 3], noise(6)).data;
    const tail = layer.mask(train(4), [4, 4, 3], noise(4, 2)).data;
    assert.deepEqual(Array.from(tail), Array.from(full.subarray(2 * 12)));
    const otherLayer = make({ type: 'dropout', p: 0.5, inverted: false }, [4, 3], 6) as DropoutLayer;
    assert.notDeepEqual(Array.from(otherLayer.mask(train(6), [6, 4, 3], noise(6)).data), Array.from(full));
  });

  it('draws masks in the runner dtype and refuses to train without noise keys', () => {
    const layer = make({ type: 'dropout', p: 0.5, inverted: false }, [5]);
    const ctx: ForwardContext = { runner, training: true };
    assert.throws(() => layer.forward(ctx, x, []), /dropout1: training with dropout needs ctx\.noise/);
    assert.throws(() => layer.forward({ ...ctx, noise: noise(3) }, x, []), /3 entries for a batch of 2 rows/);
    const saved = layer.forward(train(2), x, []).saved as { mask: { data: Data } };
    assert.ok(saved.mask.data instanceof Float64Array);
  });
});
