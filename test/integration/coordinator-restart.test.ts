/** A coordinator stopped mid-job resumes from its checkpoint and ends with the uninterrupted fingerprint. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend/select';
import { Coordinator } from '../../src/coordinator/coordinator';
import { silentLogger } from '../../src/shared/log';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';
import { Worker } from '../../src/worker/worker';

const SPEC = {
  data: { subset: 400, split: { val: 0.05, test: 0.05 } },
  model: {
    input: [784],
    layers: [{ affine: 16 }, 'relu', { dropout: 0.5 }, { affine: 10 }],
    loss: 'softmax',
  },
  train: { epochs: 3, batchSize: 20, learningRate: 0.01, update: 'momentum', seed: 4, shards: 3 },
};

describe('coordinator restart', function () {
  this.timeout(120_000);
  let dir: string;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-restart-'))));
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(port = 0): Promise<{ c: Coordinator; port: number }> {
    const c = new Coordinator({ dataDir: dir, checkpointEvery: 5, shutdownGraceMs: 300, log: silentLogger });
    const bound = await c.start(port);
    closers.push(() => c.close());
    const w = new Worker(
      `127.0.0.1:${bound}`,
      { workerId: `w-${bound}-${closers.length}`, backendName: 'gpujs-cpu', threads: 1, reconnectMaxMs: 200 },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
    );
    await w.start();
    closers.push(() => w.close());
    return { c, port: bound };
  }

  it('resumes a job stopped mid-run from its checkpoint, bit-identically', async () => {
    const backend = selectBackend('gpujs-cpu', () => {});
    const want = (await runJob(parseJobSpec(SPEC), backend, () => {})).fingerprint;
    await backend.close();

    const first = await start();
    const { job } = await first.c.submit(JSON.stringify(SPEC), 'r');
    while (first.c.getJob(job.id).iteration < 12) await new Promise((r) => setTimeout(r, 5));
    for (const close of closers.splice(0).reverse()) await close();
    const stopped = JSON.parse(fs.readFileSync(path.join(dir, 'jobs', `${job.id}.json`), 'utf8'));
    assert.equal(stopped.state, 'RUNNING');
    assert.ok(stopped.iteration < stopped.totalIterations);

    const second = await start();
    let j = second.c.getJob(job.id);
    for (let i = 0; i < 2000 && j.state === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      j = second.c.getJob(job.id);
    }
    assert.equal(j.state, 'FINISHED', j.message);
    assert.equal(j.fingerprint, want);
    assert.equal(j.epochEvents.length, 4);
  });
});
