import * as assert from 'node:assert/strict';
import { sizeOf, type Data, type Tensor } from '../../../kernels/spec';
import { GpuJsRunner } from '../../../src/backend/gpujs';
import { ReferenceRunner } from '../../../src/backend/reference';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
import type { ForwardContext } from '../../../src/model/types';
import { Rng } from '../../../src/shared/rng';
import { numericGradient, relativeError, report, uniformArray } from './grad-util';

const runner = new ReferenceRunner();
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const trainCtx = (from: number, to: number): ForwardContext => ({
  runner,
  training: true,
  noise: { seed: 5, step: 2, rows: rows(from, to) },
});

/** conv-relu-pool-affine-relu-dropout-affine on 2×6×6 images, 4 classes. */
function smallCnn(loss: 'softmax' | 'svm', inverted = false): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [2, 6, 6],
      layers: [
        { conv: { filters: 3, size: 3, pad: 1 } },
        'relu',
        { pool: 2 },
        { affine: 8 },
        'relu',
        { dropout: { p: 0.7, inverted } },
        { affine: 4 },
      ],
      loss,
      init: { gaussian: 0.5 },
      biasInit: 0.1,
    }),
  );
}

/** affine-relu-affine-relu-affine on 10-vectors, 3 classes. */
function mlp(loss: 'softmax' | 'svm'): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [10],
      layers: [{ affine: 7 }, 'relu', { affine: 6 }, 'relu', { affine: 3 }],
      loss,
      init: 'xavier',
      biasInit: 0.05,
    }),
  );
}

function batch(net: Sequential, n: number, seed: number): { x: Tensor; labels: Float64Array } {
  const rng = new Rng(seed);
  const x = { shape: [n, ...net.inputShape], data: uniformArray(rng, n * net.inputSize) };
  const labels = Float64Array.from({ length: n }, () => rng.int(net.numClasses));
  return { x, labels };
}

/**
 * Checks gradientSums against central differences of lossSum (same ctx, so the same dropout masks) for
 * every parameter; returns the relative error per parameter name.
 */
function checkNetwork(net: Sequential, ctx: ForwardContext, n: number, seed: number): Record<string, number> {
  const params = initParams(net, seed, (k) => new Float64Array(k)) as Float64Array[];
  const { x, labels } = batch(net, n, seed + 1);
  const sums = net.gradientSums(ctx, params, x, labels);
  assert.equal(sums.count, n);
  assert.ok(Math.abs(sums.lossSum - net.lossSum(ctx, params, x, labels).lossSum) < 1e-12);
  const loss = () => net.lossSum(ctx, params, x, labels).lossSum;
  const errors: Record<string, number> = {};
  net.params.forEach((info, i) => {
    assert.equal(sums.grads[i].length, sizeOf(info.shape), info.name);
    errors[info.name] = relativeError(sums.grads[i], numericGradient(loss, params[i]));
  });
  return errors;
}

function expectSmall(label: string, errors: Record<string, number>): void {
  for (const [name, e] of Object.entries(errors)) {
    report(`${label} ${name}`, e);
    assert.ok(e < 1e-6, `${label}: relative error of ${name} is ${e}`);
  }
}

describe('Sequential: gradient sums match numeric gradients (float64 reference)', () => {
  for (const loss of ['softmax', 'svm'] as const) {
    it(`small CNN with ${loss} loss, training mode with vanilla dropout`, () => {
      expectSmall(`cnn ${loss}`, checkNetwork(smallCnn(loss), trainCtx(0, 5), 5, 21));
    });
    it(`MLP with ${loss} loss`, () => {
      expectSmall(`mlp ${loss}`, checkNetwork(mlp(loss), { runner, training: false }, 6, 31));
    });
  }
  it('small CNN with inverted dropout', () => {
    expectSmall('cnn inverted', checkNetwork(smallCnn('softmax', true), trainCtx(0, 4), 4, 41));
  });
});

describe('Sequential', () => {
  it('two half-batches sum to the full batch, dropout included', () => {
    const net = smallCnn('softmax');
    const params = initParams(net, 3, (k) => new Float64Array(k));
    const { x, labels } = batch(net, 6, 4);
    const k = 2;
    const per = net.inputSize;
    const part = (from: number, to: number) =>
      net.gradientSums(
        trainCtx(from, to),
        params,
        { shape: [to - from, ...net.inputShape], data: x.data.subarray(from * per, to * per) },
        labels.subarray(from, to),
      );
    const full = net.gradientSums(trainCtx(0, 6), params, x, labels);
    const [a, b] = [part(0, k), part(k, 6)];
    assert.equal(a.count + b.count, full.count);
    assert.equal(a.correct + b.correct, full.correct);
    assert.ok(Math.abs(a.lossSum + b.lossSum - full.lossSum) < 1e-12);
    full.grads.forEach((g, i) => {
      for (let j = 0; j < g.length; j++) {
        assert.ok(Math.abs(a.grads[i][j] + b.grads[i][j] - g[j]) < 1e-12, `${net.params[i].name}[${j}]`);
      }
    });
  });

  it('counts rows whose highest score is the label', () => {
    const net = mlp('softmax');
    const params = initParams(net, 8, (k) => new Float64Array(k));
    const { x } = batch(net, 5, 9);
    const ctx = { runner, training: false };
    const s = net.scores(ctx, params, x);
    assert.deepEqual(s.shape, [5, 3]);
    const best = Float64Array.from({ length: 5 }, (_, i) => {
      const row = Array.from(s.data.subarray(3 * i, 3 * i + 3));
      return row.indexOf(Math.max(...row));
    });
    assert.equal(net.lossSum(ctx, params, x, best).correct, 5);
    const wrong = best.map((v) => (v + 1) % 3);
    assert.equal(net.lossSum(ctx, params, x, wrong).correct, 0);
  });

  it('a fresh softmax net with small weights has loss ≈ log(classes) per sample', () => {
    const net = Sequential.fromSpec(
      parseModelSpec({ input: [10], layers: [{ affine: 10 }], loss: 'softmax', init: { gaussian: 1e-4 } }),
    );
    const params = initParams(net, 1, (k) => new Float64Array(k));
    const { x, labels } = batch(net, 20, 2);
    const { lossSum } = net.lossSum({ runner, training: false }, params, x, labels);
    assert.ok(Math.abs(lossSum / 20 - Math.log(10)) < 1e-3);
  });

  it('accepts x with a flat per-sample shape and an empty batch', () => {
    const net = smallCnn('svm');
    const params = initParams(net, 1, (k) => new Float64Array(k));
    const { x, labels } = batch(net, 2, 3);
    const ctx = { runner, training: false };
    const flat = net.scores(ctx, params, { shape: [2, net.inputSize], data: x.data });
    assert.deepEqual(Array.from(flat.data), Array.from(net.scores(ctx, params, x).data));
    const empty = net.gradientSums(
      ctx,
      params,
      { shape: [0, 2, 6, 6], data: new Float64Array(0) },
      labels.subarray(0, 0),
    );
    assert.deepEqual([empty.count, empty.lossSum, empty.correct], [0, 0, 0]);
    empty.grads.forEach((g, i) => assert.equal(g.length, sizeOf(net.params[i].shape)));
  });

  it('rejects arguments of the wrong size with errors that name them', () => {
    const net = mlp('softmax');
    const params = initParams(net, 1, (k) => new Float64Array(k));
    const { x, labels } = batch(net, 3, 3);
    const ctx = { runner, training: false };
    assert.throws(
      () => net.scores(ctx, params.slice(1), x),
      /expected 6 parameter arrays \(fc1\.weight, fc1\.bias/,
    );
    const short: Data[] = [...params];
    short[2] = new Float64Array(3);
    assert.throws(() => net.scores(ctx, short, x), /fc2\.weight must hold 42 values \(\[7,6\]\), got 3/);
    assert.throws(
      () => net.scores(ctx, params, { shape: [3, 9], data: new Float64Array(27) }),
      /x must be \[N, 10\]/,
    );
    assert.throws(() => net.lossSum(ctx, params, x, labels.subarray(0, 2)), /expected 3 labels/);
    assert.throws(
      () => net.lossSum(ctx, params, x, Float64Array.of(0, 3, 1)),
      /label 1 is 3; labels must be integers in \[0, 3\)/,
    );
    assert.throws(() => net.gradientSums(ctx, params, x, Float64Array.of(0, 0.5, 1)), /label 1 is 0\.5/);
  });
});

describe('Sequential on gpu.js (cpu mode, float32) agrees with the float64 reference', () => {
  let gpu: GpuJsRunner | undefined;
  afterEach(() => gpu?.close());

  it('gradientSums of the small CNN within 1e-3 relative', () => {
    // Tolerance per parameter: max_i |g32_i − g64_i| / max_i |g64_i| < 1e-3 (float32 has ~7 digits; the
    // sums here have at most a few hundred terms). Loss sums: |l32 − l64| / |l64| < 1e-3.
    gpu = new GpuJsRunner('cpu');
    const net = smallCnn('softmax');
    const p32 = initParams(net, 12, (k) => new Float32Array(k));
    const p64 = p32.map((p) => Float64Array.from(p));
    const { x, labels } = batch(net, 4, 13);
    const x32 = { shape: x.shape, data: Float32Array.from(x.data) };
    const x64 = { shape: x.shape, data: Float64Array.from(x32.data) };
    const noise = { seed: 1, step: 0, rows: [0, 1, 2, 3] };
    const g32 = net.gradientSums({ runner: gpu, training: true, noise }, p32, x32, labels);
    const g64 = net.gradientSums({ runner, training: true, noise }, p64, x64, labels);
    assert.ok(Math.abs(g32.lossSum - g64.lossSum) / Math.abs(g64.lossSum) < 1e-3);
    assert.equal(g32.correct, g64.correct);
    g64.grads.forEach((g, i) => {
      assert.ok(g32.grads[i] instanceof Float32Array);
      let diff = 0;
      let scale = 0;
      for (let j = 0; j < g.length; j++) {
        diff = Math.max(diff, Math.abs(g32.grads[i][j] - g[j]));
        scale = Math.max(scale, Math.abs(g[j]));
      }
      report(`gpujs-cpu vs reference ${net.params[i].name}`, diff / scale);
      assert.ok(diff / scale < 1e-3, `${net.params[i].name}: ${diff / scale}`);
    });
  });
});
