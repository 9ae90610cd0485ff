/**
 * `gradpool search` against real processes: a coordinator and 3 workers from dist/, a two-stage random
 * search (20 + 10 trials, 4 at a time) of the recipe's two-layer net on MNIST. The best learning rate must
 * lie within a decade of the one a hand sweep marks best, exploding trials must stop early as diverged,
 * trials must really run at the same time on several workers, and the best spec must be ready to train.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { selectBackend } from '../../src/backend/select';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';
import { BACKEND, Cluster, clusterPerTest, matches } from '../helpers/cluster';

/** The recipe's two-layer net (784-50-10, gaussian 1e-4 init) on 2000 MNIST digits. */
const BASE = {
  name: 'mnist-two-layer-search',
  data: { subset: 2000, split: { val: 0.1, test: 0.1 } },
  model: {
    input: [784],
    layers: [{ affine: 50 }, 'relu', { affine: 10 }],
    loss: 'softmax',
    init: { gaussian: 1e-4 },
  },
  train: { epochs: 10, batchSize: 100, update: 'momentum', momentum: 0.9, seed: 1 },
};

const SEARCH = {
  ...BASE,
  search: {
    learningRate: [1e-6, 1e2],
    reg: [1e-5, 1e-1],
    stopIfLossAbove: 3,
    concurrency: 4,
    stages: [
      { trials: 20, epochs: 1 },
      { trials: 10, epochs: 2, keep: 3 },
    ],
  },
};

/** Learning rates of the hand sweep. */
const SWEEP = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

interface Trial {
  trialJobId: string;
  stage: number;
  trial: number;
  trials: number;
  values: Record<string, number>;
  valAcc: number;
  status: string;
  reason: string;
  startedMs: number;
  endedMs: number;
}

/** The hand sweep, in this process on the workers' backend: the learning rate with the best val acc. */
async function handSweep(): Promise<{ lr: number; valAcc: number }[]> {
  const backend = selectBackend(BACKEND, () => {});
  try {
    const out: { lr: number; valAcc: number }[] = [];
    for (const lr of SWEEP) {
      // Stage 2's epochs, and reg at the middle (geometric) of the searched range.
      const spec = {
        ...BASE,
        train: { ...BASE.train, epochs: 2, learningRate: lr, reg: 1e-3, stopIfLossAbove: 3 },
      };
      const { result } = await runJob(parseJobSpec(spec), backend, () => {});
      out.push({ lr, valAcc: result.bestValAcc });
    }
    return out;
  } finally {
    await backend.close();
  }
}

describe('gradpool search with real processes', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('finds the hand sweep’s decade, stops exploding trials early, and runs trials at once on 3 workers', async () => {
    const sweepStarted = Date.now();
    const sweep = await handSweep();
    const hand = sweep.reduce((a, b) => (b.valAcc > a.valAcc ? b : a));
    const sweepSeconds = (Date.now() - sweepStarted) / 1000;

    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1', 'w2', 'w3']);
    const out = join(cluster.scratch, 'best.yaml');
    const searchStarted = Date.now();
    const proc = await cluster.cli(
      ['search', cluster.specFile(SEARCH), '--coordinator', coordinator.address, '--json', '--out', out],
      240_000,
    );
    const searchSeconds = (Date.now() - searchStarted) / 1000;
    assert.equal(proc.code, 0, proc.tail());
    const events = proc.events();
    const live = events.filter((e) => e.type === 'trial') as unknown as Trial[];
    const final = events.find((e) => e.type === 'search') as unknown as {
      jobId: string;
      status: string;
      best: Trial & { spec: Record<string, any> };
      bestSpecFile: string;
      trials: Trial[];
    };
    assert.ok(final, proc.tail());
    assert.equal(final.status, 'finished');

    // 20 + 10 trials, each reported live once, and the table sorted by validation accuracy.
    assert.equal(live.length, 30);
    assert.deepEqual(
      [0, 1].map((s) => live.filter((t) => t.stage === s).length),
      [20, 10],
    );
    assert.equal(new Set(live.map((t) => `${t.stage}/${t.trial}`)).size, 30);
    const finished = final.trials.filter((t) => t.status === 'finished');
    for (let i = 1; i < finished.length; i++) assert.ok(finished[i - 1].valAcc >= finished[i].valAcc);
    assert.deepEqual(final.trials.slice(0, finished.length), finished, 'unfinished trials come last');
    assert.deepEqual(final.best.trialJobId, finished[0].trialJobId);

    // The best learning rate lies within a decade of the hand sweep's best.
    const bestLr = final.best.values.learningRate;
    const gap = Math.abs(Math.log10(bestLr) - Math.log10(hand.lr));
    console.log(
      `      hand sweep (${sweepSeconds.toFixed(1)} s): ${sweep.map((s) => `${s.lr}: ${s.valAcc}`).join(', ')}; ` +
        `search (${searchSeconds.toFixed(1)} s): best lr ${bestLr.toExponential(3)} val ${final.best.valAcc}`,
    );
    assert.ok(gap <= 1, `best lr ${bestLr} is ${gap.toFixed(2)} decades from the hand sweep's ${hand.lr}`);

    // A trial with a huge learning rate stopped early, as diverged, saying why.
    const diverged = final.trials.filter((t) => t.status === 'diverged');
    assert.ok(diverged.length > 0, 'no trial diverged');
    const client = cluster.client();
    for (const t of diverged) {
      assert.match(t.reason, /more than 3× its initial|NaN|infinite/);
      assert.ok(t.values.learningRate > 0.5, `lr ${t.values.learningRate} diverged`);
      const job = await client.getJob(t.trialJobId);
      assert.equal(job.state, 'DIVERGED');
      assert.ok(
        job.iteration < job.totalIterations,
        `${t.trialJobId} ran all ${job.totalIterations} iterations`,
      );
    }

    // Trials ran at the same time, on several workers.
    const overlapping = live.some((a, i) =>
      live.some((b, j) => i < j && a.startedMs < b.endedMs && b.startedMs < a.endedMs),
    );
    assert.ok(overlapping, 'no two trials overlapped in time');
    const trialIds = new Set(live.map((t) => t.trialJobId));
    const workers = new Set(
      coordinator
        .logs()
        .filter((l) => matches(l, 'shard result received') && trialIds.has(String(l.jobId)))
        .map((l) => String(l.workerId)),
    );
    assert.ok(workers.size >= 2, `shard results came from ${[...workers].join(', ')}`);

    // The best spec: YAML, no search block, the trial's values, the user's epochs; it validates.
    assert.equal(final.bestSpecFile, out);
    const best = parseYaml(readFileSync(out, 'utf8')) as Record<string, any>;
    assert.equal(best.search, undefined);
    assert.equal(best.train.learningRate, bestLr);
    assert.equal(best.train.reg, final.best.values.reg);
    assert.equal(best.train.epochs, BASE.train.epochs);
    assert.deepEqual(best, final.best.spec);
    parseJobSpec(best);

    // `gradpool watch` of the search replays the trials in the recipe's form.
    const watch = await cluster.cli(['watch', final.jobId, '--coordinator', coordinator.address]);
    assert.equal(watch.code, 0, watch.tail());
    const lines = watch.stdout.split('\n').filter((l) => l.startsWith('val_acc: '));
    assert.equal(lines.length, 30);
    for (const l of lines) {
      assert.match(
        l,
        /^val_acc: \d\.\d{6}, lr: \d\.\d{6}e[+-]\d{2}, reg: \d\.\d{6}e[+-]\d{2}, \((\d+) \/ (20|10)\)/,
      );
    }
  });
});
