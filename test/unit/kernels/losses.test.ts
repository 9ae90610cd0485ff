import * as assert from 'node:assert/strict';
import {
  HingeLoss,
  HingeLossGrad,
  SoftmaxCrossEntropy,
  SoftmaxCrossEntropyGrad,
} from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import {
  assertAllClose,
  checkKernelGradient,
  hingeScores,
  randomArray,
  tensor,
} from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

/** ∂(Σ_n dy[n]·loss_n)/∂s[n,j] = dy[n] · g[n,j]: the per-sample gradient g scaled row by row. */
function scaleRows(g: Tensor, dy: Tensor): Tensor {
  const C = g.shape[1];
  return tensor(
    g.shape,
    g.data.map((v, i) => v * dy.data[Math.floor(i / C)]),
  );
}

function randomLabels(rng: Rng, n: number, classes: number): Tensor {
  return tensor(
    [n],
    Array.from({ length: n }, () => rng.int(classes)),
  );
}

describe('SoftmaxCrossEntropy kernel', () => {
  it('is ln(C) for all-zero scores, whatever the label', () => {
    const y = ref.run(
      SoftmaxCrossEntropy,
      [tensor([3, 10], new Float64Array(30)), tensor([3], [0, 4, 9])],
      {},
    );
    assert.deepEqual(y.shape, [3]);
    assertAllClose(y.data, [Math.LN10, Math.LN10, Math.LN10]);
  });

  it('is −log softmax(s)[y] for a hand-worked row', () => {
    // s = [0, ln 2, ln 3]: softmax = [1, 2, 3]/6, so the loss for label 2 is −ln(3/6) = ln 2 and for label
    // 0 it is −ln(1/6) = ln 6.
    const s = [0, Math.log(2), Math.log(3)];
    const y = ref.run(SoftmaxCrossEntropy, [tensor([2, 3], [...s, ...s]), tensor([2], [2, 0])], {});
    assertAllClose(y.data, [Math.LN2, Math.log(6)]);
  });

  it('stays finite for scores of ±1000 (computed around the row maximum)', () => {
    // s = [1000, 0, −1000]: label 0 → ln(1 + e^−1000 + e^−2000) = 0; label 1 → 1000 + 0 = 1000.
    const s = [1000, 0, -1000];
    const y = ref.run(SoftmaxCrossEntropy, [tensor([2, 3], [...s, ...s]), tensor([2], [0, 1])], {});
    assertAllClose(y.data, [0, 1000]);
  });

  it('throws when labels do not have one entry per row, or scores are not [N, C]', () => {
    assert.throws(
      () => ref.run(SoftmaxCrossEntropy, [tensor([2, 3], new Float64Array(6)), tensor([3], [0, 1, 2])], {}),
      /SoftmaxCrossEntropy: labels must be \[2\], got \[3\]/,
    );
    assert.throws(
      () =>
        ref.run(
          SoftmaxCrossEntropy,
          [tensor([6], new Float64Array(6)), tensor([6], new Float64Array(6))],
          {},
        ),
      /scores must be \[N, C\], got \[6\]/,
    );
  });
});

describe('SoftmaxCrossEntropyGrad kernel', () => {
  it('is softmax(s) − onehot(y) for a hand-worked row', () => {
    // s = [0, ln 2, ln 3], label 2: [1/6, 2/6, 3/6 − 1] = [1/6, 1/3, −1/2].
    const g = ref.run(
      SoftmaxCrossEntropyGrad,
      [tensor([1, 3], [0, Math.log(2), Math.log(3)]), tensor([1], [2])],
      {},
    );
    assert.deepEqual(g.shape, [1, 3]);
    assertAllClose(g.data, [1 / 6, 1 / 3, -1 / 2]);
  });

  it('is 1/C − [j = y] for all-zero scores, and each row sums to 0', () => {
    const g = ref.run(
      SoftmaxCrossEntropyGrad,
      [tensor([2, 4], new Float64Array(8)), tensor([2], [3, 1])],
      {},
    );
    assertAllClose(g.data, [0.25, 0.25, 0.25, -0.75, 0.25, -0.75, 0.25, 0.25]);
  });

  it('throws when labels do not have one entry per row', () => {
    assert.throws(
      () => ref.run(SoftmaxCrossEntropyGrad, [tensor([2, 3], new Float64Array(6)), tensor([1], [0])], {}),
      /SoftmaxCrossEntropyGrad: labels must be \[2\], got \[1\]/,
    );
  });

  it('matches the numeric gradient of SoftmaxCrossEntropy', () => {
    const rng = new Rng(601);
    const [N, C] = [6, 5];
    const errors = checkKernelGradient(
      {
        forward: SoftmaxCrossEntropy,
        attrs: {},
        inputs: [tensor([N, C], randomArray(rng, N * C, 3)), randomLabels(rng, N, C)],
        backward: {
          scores: (dy, [s, labels]) => scaleRows(ref.run(SoftmaxCrossEntropyGrad, [s, labels], {}), dy),
        },
      },
      rng,
    );
    assert.ok(errors.scores < 1e-6, JSON.stringify(errors));
  });
});

describe('HingeLoss kernel', () => {
  // The three rows of the CS231n multiclass SVM example, Δ = 1:
  //   [3.2, 5.1, −1.7], y = 0: max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9 + 0 = 2.9
  //   [1.3, 4.9, 2.0],  y = 1: max(0, 1.3 − 4.9 + 1) + max(0, 2.0 − 4.9 + 1) = 0 + 0 = 0
  //   [2.2, 2.5, −3.1], y = 2: max(0, 2.2 + 3.1 + 1) + max(0, 2.5 + 3.1 + 1) = 6.3 + 6.6 = 12.9
  const scores = tensor([3, 3], [3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1]);
  const labels = tensor([3], [0, 1, 2]);

  it('sums the positive margins of each row (CS231n example)', () => {
    const y = ref.run(HingeLoss, [scores, labels], { delta: 1 });
    assert.deepEqual(y.shape, [3]);
    assertAllClose(y.data, [2.9, 0, 12.9]);
  });

  it('is (C − 1)·Δ for all-zero scores', () => {
    const zeros = tensor([2, 10], new Float64Array(20));
    assertAllClose(ref.run(HingeLoss, [zeros, tensor([2], [0, 7])], { delta: 1 }).data, [9, 9]);
    assertAllClose(ref.run(HingeLoss, [zeros, tensor([2], [3, 9])], { delta: 0.5 }).data, [4.5, 4.5]);
  });

  it('throws when labels do not have one entry per row', () => {
    assert.throws(
      () => ref.run(HingeLoss, [scores, tensor([2], [0, 1])], { delta: 1 }),
      /HingeLoss: labels must be \[3\], got \[2\]/,
    );
  });
});

describe('HingeLossGrad kernel', () => {
  it('is +1 per positive margin and −(their count) at the label (CS231n example)', () => {
    // Row 0: only j = 1 is positive → [−1, 1, 0]; row 1: none → [0, 0, 0]; row 2: j = 0, 1 → [1, 1, −2].
    const scores = tensor([3, 3], [3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1]);
    const g = ref.run(HingeLossGrad, [scores, tensor([3], [0, 1, 2])], { delta: 1 });
    assert.deepEqual(g.shape, [3, 3]);
    assert.deepEqual(Array.from(g.data), [-1, 1, 0, 0, 0, 0, 1, 1, -2]);
  });

  it('takes the subgradient 0 at a margin of exactly 0', () => {
    // s = [2, 1], y = 0, Δ = 1: margin 1 − 2 + 1 = 0 → loss 0 and gradient [0, 0].
    const s = tensor([1, 2], [2, 1]);
    assert.deepEqual(Array.from(ref.run(HingeLoss, [s, tensor([1], [0])], { delta: 1 }).data), [0]);
    assert.deepEqual(Array.from(ref.run(HingeLossGrad, [s, tensor([1], [0])], { delta: 1 }).data), [0, 0]);
  });

  it('is 1 off the label and −(C − 1) at the label for all-zero scores', () => {
    const g = ref.run(HingeLossGrad, [tensor([1, 4], new Float64Array(4)), tensor([1], [2])], { delta: 1 });
    assert.deepEqual(Array.from(g.data), [1, 1, -3, 1]);
  });

  for (const delta of [1, 0.5]) {
    it(`matches the numeric gradient of HingeLoss with Δ = ${delta}, margins kept away from 0`, () => {
      const rng = new Rng(602, delta * 10);
      const [N, C] = [8, 5];
      const y = randomLabels(rng, N, C);
      const s = tensor([N, C], hingeScores(rng, y.data, C, delta));
      // Both sides of the kink must occur, or the check would not exercise the routing.
      const g = ref.run(HingeLossGrad, [s, y], { delta });
      assert.ok(
        g.data.some((v) => v === 1) && g.data.some((v, i) => v === 0 && i % C !== y.data[Math.floor(i / C)]),
      );
      const errors = checkKernelGradient(
        {
          forward: HingeLoss,
          attrs: { delta },
          inputs: [s, y],
          backward: {
            scores: (dy, [sc, lab]) => scaleRows(ref.run(HingeLossGrad, [sc, lab], { delta }), dy),
          },
        },
        rng,
      );
      assert.ok(errors.scores < 1e-6, JSON.stringify(errors));
    });
  }
});
