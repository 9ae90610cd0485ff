/**
 * Uploaded datasets on a real coordinator (gRPC on 127.0.0.1:0, a real data directory) and real workers:
 * upload checks and errors, durability across a restart, pinning at submit, training on an uploaded
 * dataset (same fingerprint as the local files in-process), and the worker cache (fetch once, verify,
 * detect corruption).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend/select';
import { CoordinatorClient, type UploadResult } from '../../src/coordinator/client';
import { Coordinator } from '../../src/coordinator/coordinator';
import { GradpoolError } from '../../src/shared/errors';
import type { Logger } from '../../src/shared/log';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';
import { DatasetCache } from '../../src/worker/dataset-cache';
import { grpcDatasetFetcher } from '../../src/worker/dataset-fetcher';
import { Worker } from '../../src/worker/worker';
import { writeIdx, writeNpy } from '../unit/data/formats/write-files';

/** `n` 4×4 images of two classes: class 0 bright on the left half, class 1 on the right. */
function twoClasses(n: number, shift = 0): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = (i + shift) % 2;
    for (let p = 0; p < 16; p++)
      pixels[i * 16 + p] = p % 4 < 2 === (labels[i] === 0) ? 200 + ((i * 7) % 50) : (i * 3) % 30;
  }
  return { pixels, labels };
}

/** A file to upload: its role and local path. */
interface Upload {
  readonly role: string;
  readonly path: string;
}

/**
 * Uploads `files` through the client in chunks of `chunkBytes`; `cut` stops the stream after that many
 * bytes of the file at index cut.file (a truncated upload).
 */
function upload(
  client: CoordinatorClient,
  name: string,
  format: string,
  files: readonly Upload[],
  opts: { chunkBytes?: number; cut?: { file: number; bytes: number }; sha256?: (i: number) => string } = {},
): Promise<UploadResult> {
  const bufs = files.map((f) => fs.readFileSync(f.path));
  const step = opts.chunkBytes ?? 1024 * 1024;
  async function* chunks() {
    for (const [fileIndex, buf] of bufs.entries()) {
      const end = opts.cut?.file === fileIndex ? opts.cut.bytes : buf.length;
      for (let offset = 0; offset < end; offset += step) {
        yield { fileIndex, offset, data: buf.subarray(offset, Math.min(end, offset + step)) };
      }
      if (opts.cut?.file === fileIndex) return;
    }
  }
  return client.uploadDataset(
    {
      name,
      format,
      files: files.map((f, i) => ({
        role: f.role,
        fileName: path.basename(f.path),
        sizeBytes: bufs[i].length,
        sha256: opts.sha256?.(i) ?? '',
      })),
    },
    chunks(),
  );
}

/** Asserts that `p` rejects with a GradpoolError of `code` whose message names `status` and matches `also`. */
async function rejects(p: Promise<unknown>, code: string, status: string, ...also: RegExp[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, new RegExp(`\\(${status}\\)`));
    for (const re of also) assert.match(e.message, re);
    return true;
  });
}

/** A logger that keeps every line. */
function recorder(): { log: Logger; lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  return { log: (_level, msg, fields = {}) => lines.push({ msg, fields: { ...fields } }), lines };
}

const MODEL = { input: [1, 4, 4], layers: [{ affine: 8 }, 'relu', { affine: 2 }], loss: 'softmax' };
const TRAIN = { epochs: 2, batchSize: 8, learningRate: 0.05, seed: 3, shards: 2 };

describe('uploaded datasets (coordinator, workers, cache)', function () {
  this.timeout(120_000);
  let dir: string;
  let files: string;
  const closers: (() => Promise<void> | void)[] = [];
  const at = (f: string) => path.join(files, f);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-upload-'));
    files = path.join(dir, 'files');
    fs.mkdirSync(files);
    const train = twoClasses(60);
    const test = twoClasses(10, 1);
    writeIdx(at('train-images.gz'), [60, 4, 4], train.pixels, true);
    writeIdx(at('train-labels.gz'), [60], train.labels, true);
    writeIdx(at('test-images'), [10, 4, 4], test.pixels);
    writeIdx(at('test-labels'), [10], test.labels);
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const IDX: readonly Upload[] = [
    { role: 'train-images', path: 'train-images.gz' },
    { role: 'train-labels', path: 'train-labels.gz' },
    { role: 'test-images', path: 'test-images' },
    { role: 'test-labels', path: 'test-labels' },
  ];
  const idxFiles = () => IDX.map((f) => ({ ...f, path: at(f.path) }));

  async function coordinator(
    opts: { maxDatasetBytes?: number; log?: Logger } = {},
  ): Promise<{ c: Coordinator; client: CoordinatorClient; address: string }> {
    const c = new Coordinator({
      dataDir: path.join(dir, 'data'),
      shutdownGraceMs: 300,
      maxDatasetBytes: opts.maxDatasetBytes,
      log: opts.log,
    });
    const port = await c.start(0);
    closers.push(() => c.close());
    const client = new CoordinatorClient(`127.0.0.1:${port}`);
    closers.push(() => client.close());
    return { c, client, address: `127.0.0.1:${port}` };
  }

  async function worker(address: string, id: string, cacheDir: string): Promise<Worker> {
    const w = new Worker(
      address,
      { workerId: id, backendName: 'gpujs-cpu', threads: 1, reconnectMaxMs: 200, cacheDir },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: () => {} },
    );
    await w.start();
    closers.push(() => w.close());
    return w;
  }

  async function waitEnd(c: Coordinator, id: string) {
    for (let i = 0; i < 3000; i++) {
      const j = c.getJob(id);
      if (['FINISHED', 'FAILED', 'DIVERGED', 'CANCELLED'].includes(j.state)) return j;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${id} did not end`);
  }

  async function localFingerprint(data: object): Promise<string> {
    const backend = selectBackend('gpujs-cpu', () => {});
    try {
      return (await runJob(parseJobSpec({ data, model: MODEL, train: TRAIN }), backend, () => {}))
        .fingerprint;
    } finally {
      await backend.close();
    }
  }

  /** Entries of the coordinator's dataset directory other than ids and names.json (temp dirs). */
  const leftovers = () =>
    fs.readdirSync(path.join(dir, 'data', 'datasets')).filter((e) => !/^[0-9a-f]{64}$|^names\.json$/.test(e));

  it('stores an upload, lists it after a restart on the same data dir, and trains on it by name like the local files', async () => {
    const first = await coordinator();
    const r = await upload(first.client, 'tiny', 'idx', idxFiles(), { chunkBytes: 100 });
    const d = r.dataset!;
    assert.match(d.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(d.names, ['tiny']);
    assert.deepEqual([d.trainCount, d.testCount, [...d.sampleShape]], [60, 10, [1, 4, 4]]);
    const sha = createHash('sha256')
      .update(fs.readFileSync(at('train-images.gz')))
      .digest('hex');
    assert.equal(d.files.find((f) => f.role === 'train-images')?.sha256, sha);
    assert.equal(r.existed, false);
    await first.c.close();

    const second = await coordinator();
    const listed = await second.client.listDatasets();
    assert.deepEqual(
      listed.map((x) => [x.id, x.names, x.format, Number(x.sizeBytes)]),
      [[d.id, ['tiny'], 'idx', Number(d.sizeBytes)]],
    );
    await worker(second.address, 'w1', path.join(dir, 'cache1'));
    await worker(second.address, 'w2', path.join(dir, 'cache2'));
    const data = { train: 'dataset:tiny', test: 'dataset:tiny:test', split: { val: 0.2 } };
    const { job } = await second.c.submit(JSON.stringify({ data, model: MODEL, train: TRAIN }), 'r1');
    assert.equal(JSON.parse(job.specJson).data.train, `dataset:${d.id}`, 'the name is pinned to the id');
    assert.equal(JSON.parse(job.specJson).data.test, `dataset:${d.id}:test`);
    const end = await waitEnd(second.c, job.id);
    assert.equal(end.state, 'FINISHED', end.message);
    const local = {
      train: `idx:${at('train-images.gz')},${at('train-labels.gz')}`,
      test: `idx:${at('test-images')},${at('test-labels')}`,
      split: { val: 0.2 },
    };
    assert.equal(end.fingerprint, await localFingerprint(local));
  });

  it('trains on an uploaded csv dataset with the fingerprint of the csv file in-process', async () => {
    const { c, client, address } = await coordinator();
    const rows = ['label,a,b,c,d'];
    for (let i = 0; i < 40; i++)
      rows.push(`${i % 2},${i % 2 ? 0.9 : 0.1},${(i % 5) / 5},0.5,${i % 2 ? 0.2 : 0.8}`);
    fs.writeFileSync(at('train.csv'), rows.join('\n') + '\n');
    const r = await upload(client, 'csv-set', 'csv', [{ role: 'train', path: at('train.csv') }]);
    assert.deepEqual([r.dataset!.trainCount, [...r.dataset!.sampleShape]], [40, [4]]);
    await worker(address, 'w1', path.join(dir, 'cache'));
    const spec = (train: string) => ({
      data: { train, split: { val: 0.1, test: 0.1 } },
      model: { ...MODEL, input: [4] },
      train: TRAIN,
    });
    const { job } = await c.submit(JSON.stringify(spec(`dataset:${r.dataset!.id}`)), 'csv');
    const end = await waitEnd(c, job.id);
    assert.equal(end.state, 'FINISHED', end.message);
    const backend = selectBackend('gpujs-cpu', () => {});
    const want = (await runJob(parseJobSpec(spec(`csv:${at('train.csv')}`)), backend, () => {})).fingerprint;
    await backend.close();
    assert.equal(end.fingerprint, want);
  });

  it('stores npy and cifar uploads with the counts and shapes their readers give', async () => {
    const { client } = await coordinator();
    writeNpy(
      at('x_train.npy'),
      '|u1',
      [6, 2, 3],
      new Uint8Array(36).map((_, i) => i),
    );
    writeNpy(
      at('y_train.npy'),
      '<i8',
      [6],
      new Uint8Array(48).map((_, i) => (i % 8 === 0 ? (i / 8) % 3 : 0)),
    );
    const npy = await upload(client, 'n', 'npy', [
      { role: 'train-images', path: at('x_train.npy') },
      { role: 'train-labels', path: at('y_train.npy') },
    ]);
    assert.deepEqual(
      [npy.dataset!.format, npy.dataset!.trainCount, [...npy.dataset!.sampleShape]],
      ['npy', 6, [1, 2, 3]],
    );
    const record = (label: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, label * 20)]);
    fs.writeFileSync(at('data_batch_1.bin'), Buffer.concat([record(1), record(2)]));
    fs.writeFileSync(at('test_batch.bin'), record(3));
    const cifar = await upload(client, 'c', 'cifar', [
      { role: 'train', path: at('data_batch_1.bin') },
      { role: 'test', path: at('test_batch.bin') },
    ]);
    assert.deepEqual(
      [cifar.dataset!.trainCount, cifar.dataset!.testCount, [...cifar.dataset!.sampleShape]],
      [2, 1, [3, 32, 32]],
    );
    fs.writeFileSync(at('bad_batch.bin'), record(1).subarray(0, 3000));
    await rejects(
      upload(client, 'c2', 'cifar', [{ role: 'train', path: at('bad_batch.bin') }]),
      'E_BAD_DATA',
      'INVALID_ARGUMENT',
      /bad_batch\.bin \(train\): size 3000: expected a positive multiple of 3073 bytes/,
    );
  });

  it('is idempotent for the same content under the same name, and re-points a name to new content', async () => {
    const { client } = await coordinator();
    const a = await upload(client, 'tiny', 'idx', idxFiles());
    const again = await upload(client, 'tiny', 'idx', [...idxFiles()].reverse());
    assert.equal(again.dataset!.id, a.dataset!.id, 'argument order does not change the id');
    assert.equal(again.existed, true);
    assert.equal(again.previousId, '');
    const other = twoClasses(60, 1);
    writeIdx(at('train-labels.gz'), [60], other.labels, true);
    const b = await upload(client, 'tiny', 'idx', idxFiles());
    assert.notEqual(b.dataset!.id, a.dataset!.id);
    assert.equal(b.previousId, a.dataset!.id);
    const listed = await client.listDatasets();
    assert.deepEqual(
      listed.map((x) => [x.id, x.names]).sort(),
      [
        [a.dataset!.id, []],
        [b.dataset!.id, ['tiny']],
      ].sort(),
    );
  });

  it('rejects an upload that ends early with INVALID_ARGUMENT naming the file and the offset, storing nothing', async () => {
    const { client } = await coordinator();
    await rejects(
      upload(client, 'cut', 'idx', idxFiles(), { chunkBytes: 50, cut: { file: 2, bytes: 100 } }),
      'E_BAD_DATA',
      'INVALID_ARGUMENT',
      /upload ended at byte 100 of file 2 test-images \(test-images\), which declared 176 bytes: the upload is truncated/,
    );
    assert.deepEqual(await client.listDatasets(), []);
    assert.deepEqual(leftovers(), []);
  });

  it("rejects a truncated IDX file with the reader's error naming the uploaded file and the byte", async () => {
    const { client } = await coordinator();
    const t = twoClasses(10);
    writeIdx(at('test-images'), [10, 4, 4], t.pixels.subarray(0, 150));
    await rejects(
      upload(client, 'bad', 'idx', idxFiles()),
      'E_BAD_DATA',
      'INVALID_ARGUMENT',
      /test-images \(test-images\): byte 16: expected 160 bytes of data for dims \[10,4,4\], found 150 \(truncated\)/,
    );
    assert.doesNotMatch((await client.listDatasets().catch(() => [])).join(), /bad/);
    assert.deepEqual(leftovers(), []);
  });

  it('rejects a dataset over --max-dataset-bytes with RESOURCE_EXHAUSTED naming the limit', async () => {
    const total = idxFiles().reduce((n, f) => n + fs.statSync(f.path).size, 0);
    const { client } = await coordinator({ maxDatasetBytes: total - 1 });
    await rejects(
      upload(client, 'big', 'idx', idxFiles()),
      'E_TOO_LARGE',
      'RESOURCE_EXHAUSTED',
      new RegExp(
        `"big" is ${total} bytes, over this coordinator's limit of ${total - 1} bytes \\(--max-dataset-bytes\\)`,
      ),
    );
    assert.deepEqual(await client.listDatasets(), []);
    assert.deepEqual(leftovers(), []);
  });

  it('rejects bad metadata, chunks out of order and bytes that differ from the declared sha256', async () => {
    const { client } = await coordinator();
    await rejects(
      upload(client, 'x', 'idx', idxFiles().slice(0, 1)),
      'E_BAD_ARGS',
      'INVALID_ARGUMENT',
      /needs one train-images and one train-labels file/,
    );
    await rejects(
      upload(client, 'no/slash', 'idx', idxFiles()),
      'E_BAD_ARGS',
      'INVALID_ARGUMENT',
      /metadata\.name/,
    );
    await rejects(
      upload(client, 'x', 'tiff', idxFiles()),
      'E_BAD_ARGS',
      'INVALID_ARGUMENT',
      /idx, cifar, csv, npy/,
    );
    await rejects(
      upload(client, 'x', 'idx', idxFiles(), { sha256: (i) => (i === 1 ? '0'.repeat(64) : '') }),
      'E_BAD_DATA',
      'INVALID_ARGUMENT',
      /file 1 train-labels\.gz \(train-labels\): the bytes received have sha256 [0-9a-f]{64}, but the metadata declared 0{64}/,
    );
    const skip = client.uploadDataset(
      { name: 'x', format: 'csv', files: [{ role: 'train', fileName: 'a.csv', sizeBytes: 10, sha256: '' }] },
      (async function* () {
        yield { fileIndex: 0, offset: 4, data: Buffer.from('abcdef') };
      })(),
    );
    await rejects(
      skip,
      'E_BAD_ARGS',
      'INVALID_ARGUMENT',
      /a\.csv \(train\): chunk at offset 4, expected offset 0/,
    );
    assert.deepEqual(await client.listDatasets(), []);
    assert.deepEqual(leftovers(), []);
  });

  it('removes the partial upload of a client that goes away mid-stream', async () => {
    const { client } = await coordinator();
    let resume: () => void = () => {};
    const resumed = new Promise<void>((r) => (resume = r));
    const p = client.uploadDataset(
      {
        name: 'gone',
        format: 'csv',
        files: [{ role: 'train', fileName: 'a.csv', sizeBytes: 100, sha256: '' }],
      },
      (async function* () {
        yield { fileIndex: 0, offset: 0, data: Buffer.from('label,a\n') };
        await resumed;
        throw new Error('the client gave up'); // uploadDataset cancels the call
      })(),
    );
    for (let i = 0; i < 200 && leftovers().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(leftovers().length, 1, 'the upload has its temporary directory');
    resume();
    await assert.rejects(p, /the client gave up/);
    for (let i = 0; i < 200 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(leftovers(), []);
  });

  it("fails the job's task on a worker whose fetch does not match its sha256 (TaskFailed, re-issued)", async () => {
    const coord = recorder();
    const { c, client, address } = await coordinator({ log: coord.log });
    const d = (await upload(client, 'tiny', 'idx', idxFiles())).dataset!;
    const store = path.join(dir, 'data', 'datasets', d.id);
    const victim = path.join(
      store,
      fs.readdirSync(store).find((f) => f.endsWith('test-images'))!,
    );
    const bytes = fs.readFileSync(victim);
    bytes[bytes.length - 1] ^= 0xff; // the job reads the train part only: the coordinator accepts it
    fs.writeFileSync(victim, bytes);
    await worker(address, 'w1', path.join(dir, 'cache'));
    const { job } = await c.submit(
      JSON.stringify({ data: { train: 'dataset:tiny' }, model: MODEL, train: TRAIN }),
      'r',
    );
    let failed: { msg: string; fields: Record<string, unknown> } | undefined;
    for (let i = 0; i < 1000 && !failed; i++) {
      failed = coord.lines.find((l) => l.msg === 'worker failed a task; task re-issued');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(failed, 'the coordinator heard of the failure');
    assert.equal(failed.fields.workerId, 'w1');
    assert.match(
      String(failed.fields.reason),
      /^E_BAD_DATA: dataset [0-9a-f]{64}: file test-images \(test-images\): the bytes received have sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/,
    );
    assert.ok(
      !coord.lines.some((l) => l.msg === 'shard result received'),
      'no shard was computed on bad data',
    );
    await c.cancelJob(job.id);
  });

  it('answers a submit naming an unknown dataset with NOT_FOUND on data.train and the fix', async () => {
    const { client } = await coordinator();
    const spec = { data: { train: 'dataset:nope' }, model: MODEL, train: TRAIN };
    await assert.rejects(client.submit(spec, 'r'), (e: unknown) => {
      assert.ok(e instanceof GradpoolError);
      assert.equal(e.code, 'E_NOT_FOUND');
      assert.equal(e.field, 'data.train');
      assert.match(e.message, /no dataset named "nope".*gradpool data list.*\(NOT_FOUND\)/);
      return true;
    });
    const byId = { data: { train: `dataset:${'ab'.repeat(32)}` }, model: MODEL, train: TRAIN };
    await assert.rejects(client.submit(byId, 'r2'), /no dataset with id/);
  });

  it('worker cache: fetches once, verifies, finds it again, and re-fetches a corrupted entry', async () => {
    const coord = recorder();
    const { client, address } = await coordinator({ log: coord.log });
    const id = (await upload(client, 'tiny', 'idx', idxFiles())).dataset!.id;
    const cacheDir = path.join(dir, 'cache');
    const sent = () =>
      coord.lines.filter((l) => l.msg === 'dataset sent' && l.fields.datasetId === id).length;
    const open = () => {
      const rec = recorder();
      const cache = new DatasetCache(cacheDir, grpcDatasetFetcher(address, 'w-test'), rec.log);
      cache.start();
      closers.push(() => cache.close());
      return { cache, lines: rec.lines };
    };
    const spec = JSON.stringify({ data: { train: `dataset:${id}`, test: `dataset:${id}:test` } });
    const a = open();
    await Promise.all([a.cache.prepareSpec(spec), a.cache.prepareSpec(spec), a.cache.ensure(id)]);
    await a.cache.prepareSpec(spec);
    assert.equal(sent(), 1, 'one fetch for concurrent and repeated requests');
    assert.deepEqual(
      a.lines.map((l) => l.msg),
      ['dataset fetched'],
    );
    a.cache.close();

    const b = open();
    await b.cache.ensure(id);
    assert.equal(sent(), 1, 'a whole cache entry is not fetched again');
    assert.deepEqual(
      b.lines.map((l) => l.msg),
      ['dataset found in cache'],
    );
    b.cache.close();

    const entry = path.join(cacheDir, id);
    const victim = path.join(
      entry,
      fs.readdirSync(entry).find((f) => f.endsWith('train-images'))!,
    );
    const bytes = fs.readFileSync(victim);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    const c = open();
    await c.cache.ensure(id);
    assert.equal(sent(), 2, 'the corrupt entry was fetched again');
    assert.deepEqual(
      c.lines.map((l) => l.msg),
      ['dataset cache entry is corrupt; fetching it again', 'dataset fetched'],
    );
    assert.match(
      String(c.lines[0].fields.problem),
      /train-images has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/,
    );
    assert.notDeepEqual(fs.readFileSync(victim), bytes, 'the file was replaced');
  });

  it('worker cache: detects bytes that do not match their sha256 in a fetch and keeps nothing', async () => {
    const { client, address } = await coordinator();
    const d = (await upload(client, 'tiny', 'idx', idxFiles())).dataset!;
    // Corrupt the coordinator's stored copy (same size): what a worker receives no longer matches.
    const store = path.join(dir, 'data', 'datasets', d.id);
    const victim = path.join(
      store,
      fs.readdirSync(store).find((f) => f.endsWith('train-labels'))!,
    );
    const bytes = fs.readFileSync(victim);
    bytes[0] ^= 0x01;
    fs.writeFileSync(victim, bytes);
    const cacheDir = path.join(dir, 'cache');
    const cache = new DatasetCache(cacheDir, grpcDatasetFetcher(address, 'w-test'), () => {});
    cache.start();
    closers.push(() => cache.close());
    const want = d.files.find((f) => f.role === 'train-labels')!.sha256;
    await assert.rejects(cache.ensure(d.id), (e: unknown) => {
      assert.ok(e instanceof GradpoolError);
      assert.equal(e.code, 'E_BAD_DATA');
      assert.match(
        e.message,
        new RegExp(
          `train-labels\\.gz \\(train-labels\\): the bytes received have sha256 [0-9a-f]{64}, expected ${want}`,
        ),
      );
      return true;
    });
    assert.deepEqual(fs.readdirSync(cacheDir), [], 'no entry and no temporary directory is left');
    await assert.rejects(cache.ensure('0'.repeat(64)), /NOT_FOUND/);
  });
});
