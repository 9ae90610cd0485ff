import * as assert from 'node:assert/strict';
import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput } from '../../../kernels/names';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { checkKernelGradient, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

// x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] as [1, 1, 3, 3]; w = [[1, 2], [3, 4]] as [1, 1, 2, 2].
const x3 = tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
const w2 = tensor([1, 1, 2, 2], [1, 2, 3, 4]);

describe('Conv2D kernel', () => {
  it('cross-correlates a 3×3 image with a 2×2 filter (stride 1, pad 0)', () => {
    // y[oh,ow] = 1·x[oh,ow] + 2·x[oh,ow+1] + 3·x[oh+1,ow] + 4·x[oh+1,ow+1]:
    //   y[0,0] = 1 + 4 + 12 + 20 = 37   y[0,1] = 2 + 6 + 15 + 24 = 47
    //   y[1,0] = 4 + 10 + 21 + 32 = 67  y[1,1] = 5 + 12 + 24 + 36 = 77
    const y = ref.run(Conv2D, [x3, w2], { stride: 1, pad: 0 });
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.data), [37, 47, 67, 77]);
  });

  it('pads with zeros and steps by the stride (stride 2, pad 1)', () => {
    // OH = ⌊(3 + 2 − 2)/2⌋ + 1 = 2. Window (oh, ow) covers rows 2·oh−1.., cols 2·ow−1..:
    //   y[0,0]: only x[0,0]=1 under w[1,1]=4                    → 4
    //   y[0,1]: x[0,1]=2 under w[1,0]=3, x[0,2]=3 under w[1,1]=4  → 6 + 12 = 18
    //   y[1,0]: x[1,0]=4 under w[0,1]=2, x[2,0]=7 under w[1,1]=4  → 8 + 28 = 36
    //   y[1,1]: x[1,1], x[1,2], x[2,1], x[2,2] = 5, 6, 8, 9       → 5 + 12 + 24 + 36 = 77
    const y = ref.run(Conv2D, [x3, w2], { stride: 2, pad: 1 });
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.data), [4, 18, 36, 77]);
  });

  it('sums over input channels and produces one output channel per filter', () => {
    // x is [1, 2, 2, 2]: c0 = [1, 2, 3, 4], c1 = [5, 6, 7, 8]. Two 1×1 filters: w0 = (1, 1), w1 = (2, −1).
    //   y0 = c0 + c1 = [6, 8, 10, 12];   y1 = 2·c0 − c1 = [−3, −2, −1, 0].
    const x = tensor([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const w = tensor([2, 2, 1, 1], [1, 1, 2, -1]);
    const y = ref.run(Conv2D, [x, w], { stride: 1, pad: 0 });
    assert.deepEqual(y.shape, [1, 2, 2, 2]);
    assert.deepEqual(Array.from(y.data), [6, 8, 10, 12, -3, -2, -1, 0]);
  });

  it('convolves each sample of a batch independently', () => {
    // Sample 1 = 2 · sample 0, so its output is 2 · [37, 47, 67, 77].
    const x = tensor([2, 1, 3, 3], [...x3.data, ...x3.data.map((v) => 2 * v)]);
    const y = ref.run(Conv2D, [x, w2], { stride: 1, pad: 0 });
    assert.deepEqual(y.shape, [2, 1, 2, 2]);
    assert.deepEqual(Array.from(y.data), [37, 47, 67, 77, 74, 94, 134, 154]);
  });

  it('computes non-square output sizes ⌊(H + 2P − KH)/S⌋ + 1', () => {
    const x = tensor([1, 1, 5, 8], new Float64Array(40));
    const w = tensor([3, 1, 3, 2], new Float64Array(18));
    assert.deepEqual(ref.run(Conv2D, [x, w], { stride: 1, pad: 0 }).shape, [1, 3, 3, 7]);
    assert.deepEqual(ref.run(Conv2D, [x, w], { stride: 2, pad: 0 }).shape, [1, 3, 2, 4]);
    assert.deepEqual(ref.run(Conv2D, [x, w], { stride: 2, pad: 2 }).shape, [1, 3, 4, 6]);
  });

  it('throws when input and filter channel counts differ', () => {
    const w = tensor([1, 2, 2, 2], new Float64Array(8));
    assert.throws(
      () => ref.run(Conv2D, [x3, w], { stride: 1, pad: 0 }),
      /Conv2D: input has 1 channels but filters expect 2/,
    );
  });

  it('throws when the filter is larger than the padded input', () => {
    const w = tensor([1, 1, 4, 4], new Float64Array(16));
    assert.throws(() => ref.run(Conv2D, [x3, w], { stride: 1, pad: 0 }), /larger than padded input/);
    assert.deepEqual(ref.run(Conv2D, [x3, w], { stride: 1, pad: 1 }).shape, [1, 1, 2, 2]);
  });

  it('throws on a stride below 1, a negative pad or an input that is not 4-D', () => {
    assert.throws(() => ref.run(Conv2D, [x3, w2], { stride: 0, pad: 0 }), /bad stride 0/);
    assert.throws(() => ref.run(Conv2D, [x3, w2], { stride: 1, pad: -1 }), /pad -1/);
    assert.throws(
      () => ref.run(Conv2D, [tensor([3, 3], x3.data), w2], { stride: 1, pad: 0 }),
      /input must be \[N,C,H,W\]/,
    );
  });
});

describe('Conv2DBackpropInput kernel', () => {
  it('scatters each dy through the filter onto the input positions it read', () => {
    // dy = ones [1,1,2,2] for the stride-1 case: dx[h,w] = Σ of w[kh,kw] over the windows covering (h, w):
    //   [[1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]] = [[1, 3, 2], [4, 10, 6], [3, 7, 4]].
    const dy = tensor([1, 1, 2, 2], [1, 1, 1, 1]);
    const dx = ref.run(Conv2DBackpropInput, [dy, w2], { stride: 1, pad: 0, inputShape: [1, 1, 3, 3] });
    assert.deepEqual(dx.shape, [1, 1, 3, 3]);
    assert.deepEqual(Array.from(dx.data), [1, 3, 2, 4, 10, 6, 3, 7, 4]);
  });

  it('routes gradients through stride and padding, dropping those that fell on the padding', () => {
    // Stride 2, pad 1, dy = [1, 10, 100, 1000]: from the forward case, x[0,0] is read only by y[0,0]
    // under w=4 → 4; x[0,1] by y[0,1] under 3 → 30; x[1,1] by y[1,1] under 1 → 1000; x[2,2] by y[1,1]
    // under 4 → 4000; x[1,0] by y[1,0] under 2 → 200; x[2,0] by y[1,0] under 4 → 400; x[0,2] by y[0,1]
    // under 4 → 40; x[1,2] by y[1,1] under 2 → 2000; x[2,1] by y[1,1] under 3 → 3000.
    const dy = tensor([1, 1, 2, 2], [1, 10, 100, 1000]);
    const dx = ref.run(Conv2DBackpropInput, [dy, w2], { stride: 2, pad: 1, inputShape: [1, 1, 3, 3] });
    assert.deepEqual(Array.from(dx.data), [4, 30, 40, 200, 1000, 2000, 400, 3000, 4000]);
  });

  it('throws when dy does not have the forward output shape', () => {
    const dy = tensor([1, 1, 3, 3], new Float64Array(9));
    assert.throws(
      () => ref.run(Conv2DBackpropInput, [dy, w2], { stride: 1, pad: 0, inputShape: [1, 1, 3, 3] }),
      /Conv2DBackpropInput: dy must be \[1,1,2,2\], got \[1,1,3,3\]/,
    );
  });
});

describe('Conv2DBackpropFilter kernel', () => {
  it('correlates the input with dy, summed over all output positions', () => {
    // dy = ones [1,1,2,2], stride 1: dw[kh,kw] = Σ_{oh,ow} x[oh+kh, ow+kw]:
    //   dw[0,0] = 1+2+4+5 = 12, dw[0,1] = 2+3+5+6 = 16, dw[1,0] = 4+5+7+8 = 24, dw[1,1] = 5+6+8+9 = 28.
    const dy = tensor([1, 1, 2, 2], [1, 1, 1, 1]);
    const dw = ref.run(Conv2DBackpropFilter, [x3, dy], { stride: 1, pad: 0, filterShape: [1, 1, 2, 2] });
    assert.deepEqual(dw.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(dw.data), [12, 16, 24, 28]);
  });

  it('adds up the contributions of every sample in the batch (shared weights)', () => {
    // Samples x and 2x with dy = ones: dw = 3 · [12, 16, 24, 28].
    const x = tensor([2, 1, 3, 3], [...x3.data, ...x3.data.map((v) => 2 * v)]);
    const dy = tensor([2, 1, 2, 2], new Float64Array(8).fill(1));
    const dw = ref.run(Conv2DBackpropFilter, [x, dy], { stride: 1, pad: 0, filterShape: [1, 1, 2, 2] });
    assert.deepEqual(Array.from(dw.data), [36, 48, 72, 84]);
  });

  it('throws when dy does not have the forward output shape', () => {
    const dy = tensor([1, 2, 2, 2], new Float64Array(8));
    assert.throws(
      () => ref.run(Conv2DBackpropFilter, [x3, dy], { stride: 1, pad: 0, filterShape: [1, 1, 2, 2] }),
      /Conv2DBackpropFilter: dy must be \[1,1,2,2\], got \[1,2,2,2\]/,
    );
  });
});

describe('Conv2D gradients (central differences on L = Σ y·r)', () => {
  // [N, C, H, W], [O, KH, KW], stride, pad: non-square images and filters, several samples and channels.
  const cases: [number[], number[], number, number][] = [
    [[2, 3, 5, 7], [4, 3, 3], 1, 0],
    [[2, 2, 6, 5], [3, 3, 2], 1, 1],
    [[1, 2, 5, 6], [2, 5, 5], 1, 2],
    [[2, 3, 7, 6], [2, 3, 3], 2, 0],
    [[2, 2, 8, 7], [3, 4, 3], 2, 1],
    [[1, 2, 7, 9], [2, 3, 3], 2, 2],
  ];
  cases.forEach(([[N, C, H, W], [O, KH, KW], stride, pad], k) => {
    it(`matches dx and dw for x [${N},${C},${H},${W}], w [${O},${C},${KH},${KW}], stride ${stride}, pad ${pad}`, () => {
      const rng = new Rng(301, k);
      const inputShape = [N, C, H, W];
      const filterShape = [O, C, KH, KW];
      const errors = checkKernelGradient(
        {
          forward: Conv2D,
          attrs: { stride, pad },
          inputs: [
            tensor(inputShape, randomArray(rng, N * C * H * W)),
            tensor(filterShape, randomArray(rng, O * C * KH * KW)),
          ],
          backward: {
            x: (dy, [, w]) => ref.run(Conv2DBackpropInput, [dy, w], { stride, pad, inputShape }),
            w: (dy, [x]) => ref.run(Conv2DBackpropFilter, [x, dy], { stride, pad, filterShape }),
          },
        },
        rng,
      );
      assert.ok(errors.x < 1e-6 && errors.w < 1e-6, JSON.stringify(errors));
    });
  });
});
