/**
 * k-fold cross-validation as a job mode, against real processes: a coordinator and 2 workers from dist/.
 * A spec with `data.split.folds: 3` becomes a parent job with 3 fold jobs (request ids kfold:<id>:<i>),
 * whose validation sets are disjoint and cover everything but the test split; the parent's summary is the
 * mean / sample std / min / max of the folds' reported val accuracies, the CLI prints it, and the folds
 * are the very models `gradpool train` trains in-process. A coordinator killed mid-way resumes the job
 * without creating any fold twice.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJobSpec } from '../../src/train/job-spec';
import { loadJobData } from '../../src/train/run-job';
import { BACKEND, Cluster, clusterPerTest, matches } from '../helpers/cluster';

const FOLDS = 3;

function kfoldSpec(seed: number, epochs = 1): { train: Record<string, unknown> } & Record<string, unknown> {
  return {
    name: `kfold-${seed}`,
    data: { subset: 600, split: { folds: FOLDS, test: 0.1 } },
    model: { input: [784], layers: [{ affine: 20 }, 'relu', { affine: 10 }], loss: 'softmax', init: 'he' },
    train: { epochs, batchSize: 50, learningRate: 0.05, update: 'momentum', seed, shards: 2 },
  };
}

/** The stored job records (JSON files) of the data directory, by id. */
function records(dataDir: string): Map<string, Record<string, unknown>> {
  const dir = join(dataDir, 'jobs');
  const out = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(dir).filter((n) => /^j-\d+\.json$/.test(n))) {
    const rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    out.set(String(rec.id), rec);
  }
  return out;
}

function sampleStd(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

describe('k-fold cross-validation jobs', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('trains k fold jobs on disjoint validation folds and reports the mean and spread of their val accuracy', async () => {
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1', 'w2']);
    const spec = kfoldSpec(21);
    const watch = await cluster.cli(
      ['submit', cluster.specFile(spec), '--coordinator', coordinator.address, '--watch', '--json'],
      240_000,
    );
    assert.equal(watch.code, 0, watch.tail());
    const events = watch.events();
    const parentId = String(events.find((e) => e.type === 'submitted')?.jobId);

    const client = cluster.client();
    const parent = await client.getJob(parentId);
    assert.equal(parent.state, 'FINISHED', parent.message);
    const children = (await client.listJobs()).filter((j) => j.parentId === parentId);
    assert.equal(children.length, FOLDS);
    assert.equal(parent.epoch, FOLDS, 'epoch counts ended folds');
    assert.equal(parent.epochs, FOLDS);
    assert.equal(
      parent.iteration,
      children.reduce((a, c) => a + c.iteration, 0),
      'the parent counts its folds’ updates',
    );
    assert.equal(parent.totalIterations, parent.iteration);

    // Child i is fold i, submitted with request id kfold:<parent>:<i>.
    const recs = records(cluster.dataDir);
    const foldOfChild = new Map<string, number>();
    for (const c of children) {
      assert.equal(c.state, 'FINISHED', c.message);
      const fold = (JSON.parse(c.specJson) as { data: { split: { fold: number } } }).data.split.fold;
      foldOfChild.set(c.id, fold);
      assert.equal(recs.get(c.id)?.requestId, `kfold:${parentId}:${fold}`);
    }
    assert.deepEqual([...foldOfChild.values()].sort(), [0, 1, 2]);

    // Validation folds: disjoint, together all of the data but the test split, which none of them touches.
    const key = (x: Float32Array, i: number, d: number) =>
      Buffer.from(x.buffer, x.byteOffset + i * d * 4, d * 4).toString('base64');
    const seen = new Map<string, number>();
    let total = 0;
    let test: Set<string> | null = null;
    for (const c of children) {
      const s = parseJobSpec(JSON.parse(c.specJson));
      const splits = loadJobData(s.data, s.train.seed);
      test ??= new Set(Array.from({ length: splits.test.count }, (_, i) => key(splits.test.x, i, 784)));
      for (let i = 0; i < splits.val.count; i++) {
        const k = key(splits.val.x, i, 784);
        assert.ok(!test.has(k), 'a validation sample is in the test split');
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      total += splits.val.count;
    }
    assert.equal(total, 9000, 'the folds cover the 9 000 digits that are not test');
    const repeated = [...seen.values()].filter((n) => n > 1).length;
    // The digits of the npm package hold a few exact duplicates; a fold overlap would repeat thousands.
    assert.ok(repeated < 20, `${repeated} validation samples appear in more than one fold`);

    // The summary is the mean, sample std, min and max of the folds' reported accuracies.
    const accs = children.map((c) => c.bestValAcc);
    const cv = parent.crossValidation;
    assert.ok(cv);
    assert.equal(cv.folds, FOLDS);
    assert.equal(cv.results.length, FOLDS);
    for (const r of cv.results) {
      const child = children.find((c) => c.id === r.foldJobId);
      assert.ok(child);
      assert.equal(r.fold, foldOfChild.get(child.id));
      assert.equal(r.valAcc, child.bestValAcc);
    }
    const mean = accs.reduce((a, b) => a + b, 0) / FOLDS;
    assert.ok(Math.abs(cv.mean - mean) < 1e-12, `${cv.mean} vs ${mean}`);
    assert.ok(Math.abs(cv.std - sampleStd(accs)) < 1e-12, `${cv.std} vs ${sampleStd(accs)}`);
    assert.equal(cv.min, Math.min(...accs));
    assert.equal(cv.max, Math.max(...accs));
    assert.ok(cv.std > 0, 'different folds give different accuracies');
    assert.equal(parent.bestValAcc, cv.mean);

    // The CLI printed every fold and the summary.
    const folds = events.filter((e) => e.type === 'fold');
    assert.deepEqual(folds.map((e) => e.fold).sort(), [0, 1, 2]);
    const summary = events.find((e) => e.type === 'crossValidation') as Record<string, number> | undefined;
    assert.ok(summary);
    assert.equal(summary.mean, cv.mean);
    assert.equal(summary.std, cv.std);

    // Human lines: `gradpool watch` of the ended job replays the folds and the summary.
    const lines = await cluster.cli(['watch', parentId, '--coordinator', coordinator.address]);
    assert.equal(lines.code, 0, lines.tail());
    for (const c of children) {
      const f = foldOfChild.get(c.id) ?? -1;
      assert.match(lines.stdout, new RegExp(`^fold ${f + 1} / 3: val_acc ${c.bestValAcc.toFixed(6)}$`, 'm'));
    }
    const expected =
      `cross-validation (3 folds): val_acc mean ${cv.mean.toFixed(6)} ± ${cv.std.toFixed(6)} ` +
      `(min ${cv.min.toFixed(6)}, max ${cv.max.toFixed(6)})`;
    assert.ok(lines.stdout.includes(expected), `${expected}\n${lines.stdout}`);

    // The folds are the models `gradpool train` trains in this order in-process (same backend).
    const local = await cluster.cli(
      ['train', cluster.specFile(spec), '--json', '--backend', BACKEND],
      240_000,
    );
    assert.equal(local.code, 0, local.tail());
    const localFolds = local.events().filter((e) => e.type === 'fold');
    assert.equal(localFolds.length, FOLDS);
    for (const e of localFolds) {
      const child = children.find((c) => foldOfChild.get(c.id) === e.fold);
      assert.equal(e.valAcc, child?.bestValAcc, `fold ${String(e.fold)}`);
    }
  });

  it('resumes after the coordinator is killed mid-way, creating no fold twice', async () => {
    const first = await cluster.startCoordinator({ checkpointEvery: 5 });
    await cluster.startWorkers(['w1', 'w2']);
    const parentId = await cluster.submit(kfoldSpec(22, 3), 'kfold-restart');
    // 3 folds of 36 updates, run at once: at 30 updates in all, one fold has passed a checkpoint (every 5).
    await cluster.waitJob(parentId, 'its folds under way', (j) => j.iteration >= 30, 120_000);
    first.kill('SIGKILL');
    await first.waitExit(5000);
    const before = [...records(cluster.dataDir).values()].filter((r) => r.parentId === parentId);
    assert.ok(before.length >= 1, 'fold jobs existed before the kill');

    const second = await cluster.startCoordinator({ port: first.port, checkpointEvery: 5 });
    await second.waitForLog('k-fold job resumed', { jobId: parentId }, 30_000);
    const end = await cluster.waitJobEnd(parentId, 240_000);
    assert.equal(end.job.state, 'FINISHED', end.job.message);
    const after = [...records(cluster.dataDir).values()].filter((r) => r.parentId === parentId);
    assert.equal(after.length, FOLDS, 'one job per fold, none duplicated');
    for (const r of before)
      assert.ok(
        after.some((a) => a.id === r.id),
        `fold job ${String(r.id)} was kept`,
      );
    assert.deepEqual(
      after.map((r) => r.requestId).sort(),
      [0, 1, 2].map((i) => `kfold:${parentId}:${i}`),
    );
    const cv = end.job.crossValidation;
    assert.ok(cv);
    assert.deepEqual(cv.results.map((r) => r.fold).sort(), [0, 1, 2], 'each fold recorded once');
    assert.ok(
      second.logs().some((l) => matches(l, 'job resumed')),
      'an interrupted fold resumed from its checkpoint',
    );
  });

  it('ends DIVERGED naming the folds when they diverge, and a cancel cancels every unfinished fold', async () => {
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1', 'w2']);
    const exploding = { ...kfoldSpec(23), train: { ...kfoldSpec(23).train, learningRate: 1e4 } };
    const watch = await cluster.cli(
      ['submit', cluster.specFile(exploding), '--coordinator', coordinator.address, '--watch'],
      120_000,
    );
    assert.equal(watch.code, 3, `exit code of a diverged job\n${watch.tail()}`);
    const divergedId = String((await cluster.client().listJobs()).find((j) => j.crossValidation)?.id);
    const diverged = await cluster.client().getJob(divergedId);
    assert.equal(diverged.state, 'DIVERGED');
    assert.match(
      diverged.message,
      /^3 of 3 folds did not finish: fold 0 diverged .*; fold 1 diverged .*; fold 2 diverged/,
    );
    assert.equal(diverged.crossValidation?.results.length, 3);

    const parentId = await cluster.submit(kfoldSpec(24, 50), 'kfold-cancel');
    await cluster.waitJob(parentId, 'its folds under way', (j) => j.iteration >= 3, 120_000);
    const cancelled = await cluster.client().cancelJob(parentId);
    assert.equal(cancelled.state, 'CANCELLED');
    const folds = (await cluster.client().listJobs()).filter((j) => j.parentId === parentId);
    assert.equal(folds.length, FOLDS);
    for (const f of folds) assert.equal(f.state, 'CANCELLED', `fold job ${f.id}`);
  });
});
