/** `--backend auto`: candidates measured on the first shard of each model shape, the faster one used. */
import * as assert from 'node:assert/strict';
import type { Data } from '../../../kernels/spec';
import { AutoBackend, describeChoice, modelShapeKey } from '../../../src/backend/auto-backend';
import type { Backend, EvalSums, ShardInput } from '../../../src/backend/backend';
import { selectBackend } from '../../../src/backend/select';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import type { GradientSums } from '../../../src/model/types';
import { parseJobSpec } from '../../../src/train/job-spec';

/** A real backend whose every call takes `delayMs` longer, counting its calls. */
class Slowed implements Backend {
  readonly name: string;
  readonly dtype;
  calls = 0;
  constructor(
    private readonly inner: Backend,
    private readonly delayMs: number,
  ) {
    this.name = inner.name;
    this.dtype = inner.dtype;
  }
  alloc(n: number): Data {
    return this.inner.alloc(n);
  }
  async gradientSums(net: Sequential, params: readonly Data[], shard: ShardInput): Promise<GradientSums> {
    this.calls++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.inner.gradientSums(net, params, shard);
  }
  async evaluate(net: Sequential, p: readonly Data[], x: Data, l: Data, n: number): Promise<EvalSums> {
    this.calls++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.inner.evaluate(net, p, x, l, n);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function netOf(hidden: number): Sequential {
  const spec = parseJobSpec({
    model: {
      input: [1, 6, 6],
      layers: [{ conv: { filters: 2, size: 3, pad: 1 } }, 'relu', { affine: hidden }],
      loss: 'softmax',
    },
    train: { learningRate: 0.1 },
  });
  return Sequential.fromSpec(spec.model);
}

function shardOf(rows: number): ShardInput {
  const x = Float32Array.from({ length: rows * 36 }, (_, i) => Math.sin(i * 0.7));
  const labels = Float32Array.from({ length: rows }, (_, i) => i % 3);
  return {
    x,
    labels,
    count: rows,
    noise: { seed: 1, step: 0, rows: Array.from({ length: rows }, (_, i) => i) },
  };
}

describe('AutoBackend', function () {
  this.timeout(60_000);
  const opened: Backend[] = [];
  const quiet = () => {};
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });

  for (const slowFirst of [true, false]) {
    it(`computes with the candidate that measured faster (the slowed one ${slowFirst ? 'first' : 'second'})`, async () => {
      const pool = new Slowed(selectBackend('cpu-pool', quiet, 1), slowFirst ? 40 : 0);
      const single = new Slowed(selectBackend('gpujs-cpu', quiet), slowFirst ? 0 : 40);
      const choices: string[] = [];
      const auto = new AutoBackend(
        [
          { name: 'cpu-pool', backend: pool },
          { name: 'gpujs-cpu', backend: single },
        ],
        { onChoice: (c) => choices.push(c.backend) },
      );
      opened.push(auto);
      const net = netOf(3);
      const params = initParams(net, 7, (n) => new Float32Array(n));
      const shard = shardOf(5);
      const sums = await auto.gradientSums(net, params, shard);
      const fast = slowFirst ? 'gpujs-cpu' : 'cpu-pool';
      const choice = auto.choiceFor(net);
      assert.ok(choice);
      assert.equal(choice.backend, fast);
      assert.deepEqual(choices, [fast]);
      const slow = slowFirst ? 'cpu-pool' : 'gpujs-cpu';
      assert.ok(choice.timesMs[slow] >= 35, JSON.stringify(choice.timesMs));
      assert.ok(choice.timesMs[slow] > choice.timesMs[fast], JSON.stringify(choice.timesMs));
      assert.equal(choice.rows, 5);
      assert.match(
        describeChoice(choice),
        /^auto: cpu-pool \d+\.\d ms, gpujs-cpu \d+\.\d ms for a 5-row shard$/,
      );
      // The result is the chosen backend's own.
      const direct = await (slowFirst ? single : pool).gradientSums(net, params, shard);
      assert.equal(sums.lossSum, direct.lossSum);
      assert.deepEqual(
        sums.grads.map((g) => Array.from(g)),
        direct.grads.map((g) => Array.from(g)),
      );
    });
  }

  it('gradientSumsOfShards gives the chosen backend’s own sums of each shard (with and without its many-shard call)', async () => {
    const net = netOf(3);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shards = [shardOf(5), shardOf(0), shardOf(40)];
    // Plain cpu-pool has gradientSumsOfShards; the Slowed wrappers do not (one call per shard).
    const pool = selectBackend('cpu-pool', quiet, 2);
    const single = new Slowed(selectBackend('gpujs-cpu', quiet), 40);
    const slowedPool = new Slowed(selectBackend('cpu-pool', quiet, 1), 0);
    const wrappedSingle = new Slowed(selectBackend('gpujs-cpu', quiet), 40);
    for (const [chosen, other] of [
      [pool, single],
      [slowedPool, wrappedSingle],
    ] as const) {
      const auto = new AutoBackend([
        { name: 'cpu-pool', backend: chosen },
        { name: 'gpujs-cpu', backend: other },
      ]);
      opened.push(auto);
      assert.deepEqual(await auto.gradientSumsOfShards(net, params, []), []);
      const got = await auto.gradientSumsOfShards(net, params, shards);
      assert.equal(auto.choiceFor(net)?.backend, 'cpu-pool');
      assert.equal(got.length, shards.length);
      for (const [k, shard] of shards.entries()) {
        const want = await chosen.gradientSums(net, params, shard);
        assert.ok(Object.is(got[k].lossSum, want.lossSum), `shard ${k}: lossSum`);
        assert.equal(got[k].count, shard.count);
        assert.deepEqual(
          got[k].grads.map((g) => Array.from(g)),
          want.grads.map((g) => Array.from(g)),
          `shard ${k}: gradients`,
        );
      }
    }
  });

  it('probes once per model shape: later shards go to the choice, a new shape probes again', async () => {
    const a = new Slowed(selectBackend('gpujs-cpu', quiet), 0);
    const b = new Slowed(selectBackend('reference', quiet), 0);
    assert.throws(
      () =>
        new AutoBackend([
          { name: 'gpujs-cpu', backend: a },
          { name: 'reference', backend: b },
        ]),
      /auto candidates must be float32; reference is float64/,
    );
    await b.close();
    const c = new Slowed(selectBackend('gpujs-webasm', quiet), 0);
    const auto = new AutoBackend(
      [
        { name: 'gpujs-cpu', backend: a },
        { name: 'gpujs-webasm', backend: c },
      ],
      { probeRuns: 2 },
    );
    opened.push(auto);
    const net = netOf(3);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    assert.equal(auto.choiceFor(net), undefined);
    await Promise.all([
      auto.gradientSums(net, params, shardOf(4)),
      auto.gradientSums(net, params, shardOf(4)),
    ]);
    // 1 untimed + 2 timed probes each, then the two shards on the chosen one.
    assert.equal(a.calls + c.calls, 3 + 3 + 2);
    await auto.gradientSums(net, params, shardOf(4));
    assert.equal(a.calls + c.calls, 9);
    const other = netOf(4);
    assert.notEqual(modelShapeKey(other), modelShapeKey(net));
    await auto.evaluate(
      other,
      initParams(other, 7, (n) => new Float32Array(n)),
      shardOf(4).x,
      shardOf(4).labels,
      4,
    );
    assert.equal(a.calls + c.calls, 9 + 6 + 1);
    assert.ok(auto.choiceFor(other));
    assert.equal(modelShapeKey(netOf(3)), modelShapeKey(net));
  });
});
