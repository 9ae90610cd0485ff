import { strict as assert } from 'node:assert';
import { ReferenceRunner } from '../../../src/backend/reference';
import { GpuJsRunner } from '../../../src/backend/gpujs';
import {
  checkGradient,
  checkPoint,
  compareGradients,
  gradientVerdict,
  relError,
} from '../../../src/check/gradient-check';
import { NO_REG } from '../../../src/model/regularizers';
import { Sequential } from '../../../src/model/sequential';
import { specOf, syntheticData } from './synthetic-data';

describe('check: numeric gradient of the model', () => {
  const runner = new ReferenceRunner();

  it('passes for an MLP with dropout, L2 and L1, below 1e-5, and names the worst entry', () => {
    const spec = specOf(
      {
        input: [16],
        layers: [{ affine: 12 }, 'relu', { dropout: 0.7 }, { affine: 5 }],
        init: { gaussian: 1e-4 },
      },
      { reg: { l2: 1e-2, l1: 1e-3 } },
    );
    const net = Sequential.fromSpec(spec.model);
    const r = checkGradient(runner, net, syntheticData(10, [16], 5), spec.train.reg, { seed: 3 });
    assert.equal(r.name, 'gradient');
    assert.ok(r.pass, r.message);
    assert.ok(r.value < 1e-5);
    assert.match(
      r.message,
      /^gradient check: max relative error \S+ < 1e-5 \(worst (fc1|fc2)\.(weight|bias)\[\d+\]/,
    );
    assert.match(r.message, /35 entries, 4 tensors, 4 samples, float64/);
  });

  for (const loss of ['softmax', 'svm']) {
    it(`passes for a conv-relu-pool-affine net with the ${loss} loss on images with zero patches`, () => {
      const spec = specOf({
        input: [1, 8, 8],
        layers: [{ conv: { filters: 3, size: 3, pad: 1 } }, 'relu', { pool: 2 }, { affine: 4 }],
        loss,
        init: { gaussian: 1e-4 },
      });
      const data = syntheticData(6, [1, 8, 8], 4);
      data.x.fill(0, 0, 32); // the top half of the first image is background: conv inputs exactly 0
      const r = checkGradient(runner, Sequential.fromSpec(spec.model), data, NO_REG);
      assert.ok(r.pass, r.message);
    });
  }

  it('checks at He-scaled weights with every bias off zero, whatever the init', () => {
    const net = Sequential.fromSpec(specOf({ input: [400], layers: [{ affine: 300 }] }).model);
    const [w, b] = checkPoint(net, 5);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    assert.ok(Math.abs(std - Math.sqrt(2 / 400)) < 0.005, `std ${std}`);
    for (const v of b) assert.ok(Math.abs(v) >= 0.01 && Math.abs(v) <= 0.1, `bias ${v}`);
  });

  it('fails a backward pass that is off by 1 %, and reports the worst entry', () => {
    const theta = [Float64Array.from([0.3, -0.2, 0.5])];
    const cost = () => theta[0].reduce((a, v) => a + Math.sin(v), 0);
    const wrong = [Float64Array.from(theta[0], (v) => Math.cos(v) * 1.01)];
    const entries = compareGradients(cost, theta, wrong, [
      { name: 'w', shape: [3], kind: 'weight', fanIn: 1 },
    ]);
    assert.equal(entries.length, 3);
    const r = gradientVerdict(entries, 1e-5, 'test', 0);
    assert.equal(r.pass, false);
    assert.ok(Math.abs(r.value - 0.01 / 2.01) < 1e-4, `${r.value}`);
    assert.match(r.message, /≥ 1e-5: the backward pass disagrees with the loss \(worst w\[\d\]/);
  });

  it('fails when the regulariser gradient is left out', () => {
    const theta = [Float64Array.from([0.3, -0.2, 0.5, 0.8])];
    const lambda = 0.1;
    const cost = () => theta[0].reduce((a, v) => a + v * v * v + (lambda / 2) * v * v, 0);
    const dataOnly = [Float64Array.from(theta[0], (v) => 3 * v * v)];
    const info = [{ name: 'w', shape: [4], kind: 'weight' as const, fanIn: 1 }];
    assert.equal(gradientVerdict(compareGradients(cost, theta, dataOnly, info), 1e-5, '', 0).pass, false);
    const full = [Float64Array.from(theta[0], (v) => 3 * v * v + lambda * v)];
    assert.equal(gradientVerdict(compareGradients(cost, theta, full, info), 1e-5, '', 0).pass, true);
  });

  it('restores every perturbed parameter bit for bit', () => {
    const theta = [Float64Array.from([0.1, 0.2, 0.3])];
    const before = Float64Array.from(theta[0]);
    compareGradients(
      () => theta[0][0] * theta[0][1],
      theta,
      [[0.2, 0.1, 0]],
      [{ name: 'w', shape: [3], kind: 'weight', fanIn: 1 }],
    );
    assert.deepEqual(theta[0], before);
  });

  it('measures relative error as |a − n| / max(|a| + |n|, 1e-7)', () => {
    assert.equal(relError(1, 1), 0);
    assert.equal(relError(0, 0), 0);
    assert.ok(Math.abs(relError(1, 3) - 0.5) < 1e-15);
    assert.ok(Math.abs(relError(1e-9, 2e-9) - 1e-9 / 1e-7) < 1e-15);
    assert.ok(Number.isNaN(relError(NaN, 1)));
  });

  it('refuses a float32 runner', () => {
    const f32 = new GpuJsRunner('cpu');
    try {
      const net = Sequential.fromSpec(specOf({ input: [4], layers: [{ affine: 2 }] }).model);
      assert.throws(
        () => checkGradient(f32, net, syntheticData(4, [4], 2), NO_REG),
        /needs a float64 runner/,
      );
    } finally {
      f32.close();
    }
  });
});
