/** General matrix multiply with optional transposes: C[i,j] = Σ_k op(A)[i,k] · op(B)[k,j]. */
import { MatMul, type MatMulAttrs } from '../names';
import { expectShape, type KernelSpec, type KernelThis, type Shapes } from '../spec';

interface MatMulConstants {
  M: number;
  N: number;
  K: number;
  /** 1 when A is stored transposed ([K, M]). */
  ta: number;
  /** 1 when B is stored transposed ([N, K]). */
  tb: number;
}

/** One element of C = op(A)·op(B), C stored [M, N]. */
export function matMul(this: KernelThis<MatMulConstants>, a: number[], b: number[]): number {
  const i = Math.floor(this.thread.x / this.constants.N);
  const j = this.thread.x - i * this.constants.N;
  let sum = 0;
  for (let k = 0; k < this.constants.K; k++) {
    const av = this.constants.ta > 0 ? a[k * this.constants.M + i] : a[i * this.constants.K + k];
    const bv = this.constants.tb > 0 ? b[j * this.constants.K + k] : b[k * this.constants.N + j];
    sum += av * bv;
  }
  return sum;
}

function dims(shapes: Shapes, attrs: MatMulAttrs): MatMulConstants {
  const [a, b] = shapes;
  expectShape(a.length === 2 && b.length === 2, MatMul, `needs 2-D inputs, got [${a}] and [${b}]`);
  const M = attrs.transposeA ? a[1] : a[0];
  const K = attrs.transposeA ? a[0] : a[1];
  const Kb = attrs.transposeB ? b[1] : b[0];
  const N = attrs.transposeB ? b[0] : b[1];
  expectShape(K === Kb, MatMul, `inner dimensions differ: ${K} vs ${Kb}`);
  return { M, N, K, ta: attrs.transposeA ? 1 : 0, tb: attrs.transposeB ? 1 : 0 };
}

/** MatMul: inputs a, b. */
export const matMulSpec: KernelSpec<MatMulAttrs> = {
  name: MatMul,
  body: matMul,
  inputs: ['a', 'b'],
  outputShape: (shapes, attrs) => {
    const d = dims(shapes, attrs);
    return [d.M, d.N];
  },
  constants: (shapes, attrs) => ({ ...dims(shapes, attrs) }),
};
