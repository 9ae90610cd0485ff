/**
 * `gradpool data upload` / `data list` and jobs on uploaded datasets with real processes: a coordinator and
 * workers started from dist/, driven by the CLI. Training by name on 2 workers gives the fingerprint of the
 * same spec with local paths in-process; each worker fetches the dataset once; the dataset survives a
 * coordinator kill; a worker restarted on a corrupted cache detects it and fetches again.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { BACKEND, Cluster, matches, referenceFingerprint, waitFor, type Proc } from '../helpers/cluster';
import { writeIdx } from '../unit/data/formats/write-files';

/** `n` 4×4 images of two classes: class 0 bright on the left half, class 1 on the right. */
function twoClasses(n: number): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 16; p++) pixels[i * 16 + p] = p % 4 < 2 === (i % 2 === 0) ? 200 + (i % 50) : i % 30;
  }
  return { pixels, labels };
}

const MODEL = { input: [1, 4, 4], layers: [{ affine: 8 }, 'relu', { affine: 2 }], loss: 'softmax' };
const TRAIN = { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 5, shards: 2 };

describe('uploaded datasets with real processes (CLI)', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let at: (f: string) => string;

  beforeEach(() => {
    cluster = new Cluster();
    at = (f) => join(cluster.scratch, f);
    const train = twoClasses(80);
    const test = twoClasses(16);
    writeIdx(at('train-images-idx3-ubyte.gz'), [80, 4, 4], train.pixels, true);
    writeIdx(at('train-labels-idx1-ubyte.gz'), [80], train.labels, true);
    writeIdx(at('t10k-images-idx3-ubyte'), [16, 4, 4], test.pixels);
    writeIdx(at('t10k-labels-idx1-ubyte'), [16], test.labels);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.tails());
    await cluster.cleanup();
  });

  const FILES = [
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];

  /** A worker process with its own cache directory; waits until the coordinator registered it. */
  async function worker(id: string, cacheDir: string): Promise<Proc> {
    const w = cluster.startWorker(id, undefined, { extraArgs: ['--cache-dir', cacheDir] });
    await cluster.waitRegistered(id);
    return w;
  }

  /** `gradpool data …` against the current coordinator. */
  const data = (args: string[]) =>
    cluster.cli(['data', ...args, '--coordinator', cluster.coordinator!.address]);

  /** The coordinator's "dataset sent" lines for `workerId`. */
  const fetchesBy = (c: Proc, workerId: string) =>
    c.logs().filter((l) => matches(l, 'dataset sent', { workerId })).length;

  it('trains by name on 2 workers like local paths in-process, one fetch per worker, and survives a coordinator kill', async () => {
    const coordinator = await cluster.startCoordinator();
    const up = await data(['upload', ...FILES.map(at), '--name', 'fashion-tiny']);
    assert.equal(up.code, 0, up.stderr);
    const id = up.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(up.stderr, /stored fashion-tiny: idx, 4 files, .*80 train \+ 16 test samples of \[1,4,4\]/);

    const reupload = await data(['upload', ...[...FILES].reverse().map(at), '--name', 'fashion-tiny']);
    assert.equal(reupload.code, 0, reupload.stderr);
    assert.equal(reupload.stdout.trim(), id, 'the same content has the same id, whatever the argument order');
    assert.match(reupload.stderr, /^already stored fashion-tiny/);
    assert.equal(
      coordinator
        .logs()
        .filter((l) => l.msg === 'dataset upload rejected' || l.msg === 'dataset name recorded').length,
      0,
      'nothing was sent reupload',
    );

    const list = await data(['list']);
    assert.equal(list.code, 0, list.stderr);
    const [head, row] = list.stdout.trim().split('\n');
    assert.match(head, /^NAME\s+ID\s+FORMAT\s+SIZE\s+SAMPLES\s+CREATED$/);
    assert.match(
      row,
      new RegExp(
        `^fashion-tiny\\s+${id.slice(0, 12)}\\s+idx\\s+\\S+ bytes\\s+80\\+16 × \\[1,4,4\\]\\s+\\d{4}-`,
      ),
    );

    await worker('w1', at('cache1'));
    await worker('w2', at('cache2'));
    const byName = { train: 'dataset:fashion-tiny', test: 'dataset:fashion-tiny:test', split: { val: 0.2 } };
    const local = {
      train: `idx:${at(FILES[0])},${at(FILES[1])}`,
      test: `idx:${at(FILES[2])},${at(FILES[3])}`,
      split: { val: 0.2 },
    };
    const want = await referenceFingerprint({ name: 'up', data: local, model: MODEL, train: TRAIN });
    const run = await cluster.submitAndWatch({ name: 'up', data: byName, model: MODEL, train: TRAIN });
    assert.equal(run.done.status, 'finished');
    assert.equal(run.done.fingerprint, want);
    const results = coordinator
      .logs()
      .filter((l) => matches(l, 'shard result received', { jobId: run.jobId }));
    for (const w of ['w1', 'w2']) {
      assert.ok(
        results.some((l) => l.workerId === w),
        `${w} computed shards`,
      );
      assert.equal(fetchesBy(coordinator, w), 1, `${w} fetched the dataset once`);
    }

    // Kill the coordinator (no checkpoint, no goodbye) and start another on the same data directory.
    coordinator.kill('SIGKILL');
    await coordinator.waitExit(10_000);
    const second = await cluster.startCoordinator();
    const relisted = await data(['list', '--json']);
    const listed = relisted.events().filter((e) => e.type === 'dataset');
    assert.deepEqual(
      listed.map((e) => [e.id, e.names]),
      [[id, ['fashion-tiny']]],
    );

    // w1's cache is whole; w2's is corrupted while it is down: only w2 fetches again.
    const entry = at(`cache2/${id}`);
    const victim = join(
      entry,
      fs.readdirSync(entry).find((f) => f.endsWith('train-images'))!,
    );
    const bytes = fs.readFileSync(victim);
    bytes[20] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    const w1 = await worker('w1b', at('cache1'));
    const w2 = await worker('w2b', at('cache2'));
    const again = await cluster.submitAndWatch({
      name: 'up',
      data: { ...byName, train: `dataset:${id}` },
      model: MODEL,
      train: TRAIN,
    });
    assert.equal(again.done.status, 'finished');
    assert.equal(again.done.fingerprint, want);
    assert.equal(fetchesBy(second, 'w1b'), 0, 'a whole cache entry is used as it is');
    assert.equal(fetchesBy(second, 'w2b'), 1, 'the corrupt entry is fetched again');
    assert.ok(
      w1.logs().some((l) => matches(l, 'dataset found in cache', { datasetId: id })),
      w1.tail(),
    );
    const corrupt = w2.logs().find((l) => matches(l, 'dataset cache entry is corrupt; fetching it again'));
    assert.ok(corrupt, w2.tail());
    assert.match(String(corrupt.problem), /has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
  });

  it('exits 2 with the file and the byte for a truncated file, and for a job naming an unknown dataset', async () => {
    await cluster.startCoordinator();
    const t = twoClasses(16);
    writeIdx(at('t10k-images-idx3-ubyte'), [16, 4, 4], t.pixels.subarray(0, 200));
    const up = await data(['upload', ...FILES.map(at), '--name', 'broken']);
    assert.equal(up.code, 2, up.stderr);
    assert.match(
      up.stderr,
      /t10k-images-idx3-ubyte \(test-images\): byte 16: expected 256 bytes of data for dims \[16,4,4\], found 200 \(truncated\) \(INVALID_ARGUMENT\)/,
    );
    const list = await data(['list', '--json']);
    assert.deepEqual(list.events(), [], 'nothing was stored');

    const submit = await cluster.cli([
      'submit',
      cluster.specFile({ data: { train: 'dataset:broken' }, model: MODEL, train: TRAIN }),
      '--coordinator',
      cluster.coordinator!.address,
    ]);
    assert.equal(submit.code, 2, submit.stderr);
    assert.match(
      submit.stderr,
      /data\.train: no dataset named "broken" .*"gradpool data list".*\(NOT_FOUND\)/,
    );
  });

  it("refuses a dataset over the coordinator's --max-dataset-bytes with RESOURCE_EXHAUSTED naming the limit", async () => {
    const c = cluster.spawnCli([
      'coordinator',
      '--port',
      '0',
      '--data-dir',
      cluster.dataDir,
      '--json',
      '--max-dataset-bytes',
      '300',
    ]);
    const listening = await waitFor(
      'the coordinator to listen',
      () => c.events().find((e) => e.type === 'listening'),
      15_000,
    );
    const address = `127.0.0.1:${String(listening.port)}`;
    const up = await cluster.cli([
      'data',
      'upload',
      ...FILES.map(at),
      '--name',
      'big',
      '--coordinator',
      address,
    ]);
    assert.equal(up.code, 2, up.stderr);
    assert.match(
      up.stderr,
      /"big" is \d+ bytes, over this coordinator's limit of 300 bytes \(--max-dataset-bytes\).*\(RESOURCE_EXHAUSTED\)/,
    );
    const bad = await cluster.cli([
      'coordinator',
      '--data-dir',
      cluster.dataDir,
      '--max-dataset-bytes',
      '-1',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-dataset-bytes must be an integer/);
  });
});
