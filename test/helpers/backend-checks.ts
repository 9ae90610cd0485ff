/**
 * Helpers for backend tests: bit-for-bit comparison of gradient sums, backends closed after the test that
 * opened them, and the sums and evaluation of one shard on each of several backends.
 */
import * as assert from 'node:assert/strict';
import type { Data } from '../../kernels/spec';
import type { Backend, EvalSums, ShardInput } from '../../src/backend/backend';
import type { Sequential } from '../../src/model/sequential';
import type { GradientSums } from '../../src/model/types';

/** The bytes of `d` in hex: equal strings mean equal bits (NaN payloads and the sign of 0 included). */
export const bits = (d: Data) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');

/** Fails unless `a` and `b` are the same sums bit for bit; `what` names the comparison. */
export function assertBitIdentical(a: GradientSums, b: GradientSums, what: string): void {
  assert.deepEqual(a.grads.map(bits), b.grads.map(bits), `${what}: gradients differ`);
  assert.ok(Object.is(a.lossSum, b.lossSum), `${what}: lossSum ${a.lossSum} vs ${b.lossSum}`);
  assert.equal(a.correct, b.correct, `${what}: correct`);
  assert.equal(a.count, b.count, `${what}: count`);
}

/**
 * Registers, in the current describe(), an afterEach that closes every backend kept since the last one.
 * `keep(b)` returns `b`; `open` lists the kept backends in the order they were kept.
 */
export function closeAfterEach<B extends { close(): Promise<void> } = { close(): Promise<void> }>(): {
  keep<T extends B>(backend: T): T;
  readonly open: readonly B[];
} {
  const open: B[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  return {
    keep(backend) {
      open.push(backend);
      return backend;
    },
    open,
  };
}

/** gradientSums and evaluate of `shard` on each backend, all backends at once; in the order given. */
export function sumsAndEvaluations(
  net: Sequential,
  params: readonly Data[],
  shard: ShardInput,
  backends: readonly Backend[],
): Promise<{ sums: GradientSums; evals: EvalSums }[]> {
  return Promise.all(
    backends.map(async (b) => {
      const sums = await b.gradientSums(net, params, shard);
      const evals = await b.evaluate(net, params, shard.x, shard.labels, shard.count);
      return { sums, evals };
    }),
  );
}
