/**
 * The WebAssembly SIMD kernels (src/backend/wasm): the built module is the emitter's output, validates,
 * instantiates and computes with f32x4; MatMul (all four transpose combinations) and the three convolutions
 * on WasmRunner match the float64 reference on shapes that hit every edge of the blocking (tails of the
 * 4×8 tile, several K, M and N blocks, one row, K = 0) and on stride / padding variants.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as K from '../../../kernels/names';
import type { AttrsByKernel, KernelName } from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { ReferenceRunner } from '../../../src/backend/reference';
import { SGEMM_WASM_FILE, WasmSgemm, sgemmModule } from '../../../src/backend/wasm/sgemm';
import {
  KC,
  LAYOUT,
  MC,
  MR,
  NC,
  NR,
  emitSgemmModule,
  sgemmFunctions,
} from '../../../src/backend/wasm/sgemm-module';
import { SIMD_OPS, sleb, uleb } from '../../../src/backend/wasm/wasm-emitter';
import { WasmRunner } from '../../../src/backend/wasm/wasm-runner';
import { Rng } from '../../../src/shared/rng';

/**
 * Parity tolerance, the same measure and bound as parity.test.ts: max_i |out_i − ref_i| / max(1, max|ref|)
 * < 1e-4. The wasm kernels accumulate in float32 (k-blocks of 256 added in order); the largest error
 * measured on these cases is 7.0e-7 (MatMul with K = 784; the convolutions reach 4.5e-7), so the bound
 * keeps a 100× margin and still catches any indexing bug (errors of order 1).
 */
const FLOAT32_TOLERANCE = 1e-4;

function parityError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `output length ${a.length}, reference ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN counts as the worst difference
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** A float64 tensor of float32-exact values uniform in [−1, 1). */
function rand(rng: Rng, shape: number[]): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return { shape, data: Float64Array.from({ length: n }, () => Math.fround(2 * rng.uniform() - 1)) };
}

function toF32(t: Tensor): Tensor {
  return { shape: t.shape, data: Float32Array.from(t.data) };
}

describe('wasm SIMD kernels', function () {
  this.timeout(120_000);
  const reference = new ReferenceRunner();
  let runner: WasmRunner;
  before(() => {
    runner = new WasmRunner();
  });
  after(() => runner.close());

  /** Runs `kernel` on both runners; asserts parity and returns the float32 output. */
  function check<N extends KernelName>(kernel: N, inputs: Tensor[], attrs: AttrsByKernel[N]): Tensor {
    const want = reference.run(kernel, inputs, attrs);
    const got = runner.run(kernel, inputs.map(toF32), attrs);
    assert.deepEqual(got.shape, want.shape);
    assert.ok(got.data instanceof Float32Array, 'float32 output');
    const error = parityError(got.data, want.data);
    assert.ok(error < FLOAT32_TOLERANCE, `${kernel}: parity error ${error} ≥ ${FLOAT32_TOLERANCE}`);
    return got;
  }

  describe('module', () => {
    it('is built from the emitter: the file in dist/ equals the bytes emitSgemmModule() produces', () => {
      const built = readFileSync(SGEMM_WASM_FILE);
      assert.ok(
        Buffer.from(emitSgemmModule()).equals(built),
        `${SGEMM_WASM_FILE} is stale: npm run build:wasm`,
      );
    });

    it('validates and instantiates, exporting the gemm, packing, im2col and col2im functions and its memory', () => {
      assert.ok(WebAssembly.validate(emitSgemmModule()));
      const exports = WebAssembly.Module.exports(sgemmModule()).map((e) => `${e.kind}:${e.name}`);
      for (const f of ['kernel', 'packA', 'packB', 'gemm', 'im2col', 'col2im']) {
        assert.ok(exports.includes(`function:${f}`), `exports ${f}`);
      }
      assert.ok(exports.includes('memory:memory'));
      const sgemm = new WasmSgemm();
      assert.ok(sgemm.memory.byteLength > LAYOUT.end, 'memory holds the work area');
    });

    it('computes the micro-kernel with f32x4: broadcast loads of A, vector loads of B, f32x4 mul and add', () => {
      const kernel = sgemmFunctions().find((f) => f.name === 'kernel');
      assert.ok(kernel);
      const count = (op: number): number => {
        let n = 0;
        for (let i = 0; i + 1 < kernel.body.length; i++) {
          if (kernel.body[i] === 0xfd && kernel.body[i + 1] === op) n++;
        }
        return n;
      };
      // Per k step: MR broadcasts, NR/4 vector loads of B, MR·NR/4 products and sums (plus the C update).
      assert.equal(count(SIMD_OPS.load32Splat), MR);
      assert.ok(count(SIMD_OPS.f32x4Mul) >= (MR * NR) / 4, 'f32x4.mul per accumulator');
      assert.ok(count(SIMD_OPS.f32x4Add) >= (MR * NR) / 4, 'f32x4.add per accumulator');
      assert.ok(count(SIMD_OPS.store) >= (MR * NR) / 4, 'v128.store of the tile');
      // The module has v128 locals (type 0x7b), which only a SIMD-capable engine accepts.
      assert.ok(kernel.locals.filter((t) => t === 0x7b).length >= (MR * NR) / 4 + NR / 4 + 1);
    });

    it('encodes LEB128 as the spec says', () => {
      assert.deepEqual(uleb(0), [0]);
      assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
      assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
      assert.deepEqual(sleb(64), [0xc0, 0x00]);
      assert.deepEqual(sleb(-1), [0x7f]);
    });
  });

  describe('MatMul', () => {
    const rng = new Rng(61);
    // [M, N, K]: 1×1×1; tile tails in M and N; one row and one column; K past KC; M past MC and N past NC
    // (several blocks, with tails); the MLP's shapes (batch 64, 784-50-10); K = 0.
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [MR, NR, 3],
      [5, 9, 7],
      [1, 37, 11],
      [23, 1, 11],
      [33, 17, KC + 44],
      [MC + 3, NC + 11, 9],
      [64, 50, 784],
      [784, 50, 64],
      [64, 784, 50],
      [64, 10, 50],
      [3, 4, 0],
    ];
    for (const [M, N, Kd] of shapes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`matches the reference on M=${M} N=${N} K=${Kd}, transposeA=${ta} transposeB=${tb}`, () => {
            const a = rand(rng, ta ? [Kd, M] : [M, Kd]);
            const b = rand(rng, tb ? [N, Kd] : [Kd, N]);
            const y = check(K.MatMul, [a, b], { transposeA: ta, transposeB: tb });
            if (Kd === 0) assert.ok(y.data.every((v) => v === 0));
          });
        }
      }
    }

    it('is deterministic: the same call twice gives the same bits', () => {
      const a = toF32(rand(rng, [70, 300]));
      const b = toF32(rand(rng, [300, 45]));
      const attrs = { transposeA: false, transposeB: false };
      const y1 = runner.run(K.MatMul, [a, b], attrs).data;
      const y2 = runner.run(K.MatMul, [a, b], attrs).data;
      assert.deepEqual(Buffer.from(y1.buffer), Buffer.from(y2.buffer));
    });

    it('grows its memory for operands larger than the initial pages', () => {
      const a = rand(rng, [700, 900]);
      const b = rand(rng, [900, 40]);
      check(K.MatMul, [a, b], { transposeA: false, transposeB: false });
    });

    it('rejects inner dimensions that differ, as the kernel spec does', () => {
      assert.throws(
        () =>
          runner.run(K.MatMul, [toF32(rand(rng, [2, 3])), toF32(rand(rng, [4, 5]))], {
            transposeA: false,
            transposeB: false,
          }),
        /inner dimensions differ: 3 vs 4/,
      );
    });
  });

  describe('convolutions', () => {
    const rng = new Rng(62);
    // [x shape, w shape, stride, pad]: the CNN's two layers (batch 4), odd sizes, stride 2 and 3, 1×1,
    // a filter as large as the padded input, one sample, more padding than the filter reaches.
    const cases: [number[], number[], number, number][] = [
      [[4, 1, 28, 28], [8, 1, 5, 5], 1, 2],
      [[4, 8, 14, 14], [16, 8, 5, 5], 1, 2],
      [[3, 3, 9, 7], [5, 3, 3, 3], 2, 1],
      [[2, 2, 11, 10], [3, 2, 4, 2], 3, 0],
      [[2, 5, 6, 6], [7, 5, 1, 1], 1, 0],
      [[2, 2, 5, 5], [3, 2, 7, 7], 1, 1],
      [[1, 3, 8, 8], [4, 3, 3, 3], 1, 1],
      [[2, 2, 6, 5], [3, 2, 3, 3], 2, 3],
    ];
    for (const [xs, ws, stride, pad] of cases) {
      const label = `x [${xs}], w [${ws}], stride ${stride}, pad ${pad}`;
      it(`Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter match the reference on ${label}`, () => {
        const x = rand(rng, xs);
        const w = rand(rng, ws);
        const y = check(K.Conv2D, [x, w], { stride, pad });
        const dy = rand(rng, [...y.shape]);
        check(K.Conv2DBackpropInput, [dy, w], { stride, pad, inputShape: xs });
        check(K.Conv2DBackpropFilter, [x, dy], { stride, pad, filterShape: ws });
      });
    }

    it('rejects a filter with the wrong channel count, as the kernel spec does', () => {
      assert.throws(
        () =>
          runner.run(K.Conv2D, [toF32(rand(rng, [1, 2, 5, 5])), toF32(rand(rng, [3, 4, 3, 3]))], {
            stride: 1,
            pad: 0,
          }),
        /input has 2 channels but filters expect 4/,
      );
    });
  });

  it('runs the other kernels on their gpu.js bodies (Scale, SoftmaxCrossEntropy)', () => {
    const rng = new Rng(63);
    check(K.Scale, [rand(rng, [3, 7])], { factor: 0.25 });
    const labels = { shape: [3], data: Float64Array.from([0, 6, 2]) };
    check(K.SoftmaxCrossEntropy, [rand(rng, [3, 7]), labels], {});
  });
});
