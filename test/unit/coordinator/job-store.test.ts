import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobStore, type NewJob } from '../../../src/coordinator/job-store';
import { GradpoolError } from '../../../src/shared/errors';

function newJob(requestId: string, name = 'j'): NewJob {
  return { name, specJson: '{"x":1}', requestId, totalIterations: 10, epochs: 2, paramCount: 5 };
}

describe('JobStore', () => {
  let dir: string;
  let t: number;
  const now = () => t;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-jobs-'));
    t = 1000;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a job to disk before submit resolves, with increasing ids', async () => {
    const store = await JobStore.open(dir, { now });
    const a = await store.submit(newJob('r1', 'first'));
    const b = await store.submit(newJob('r2', 'second'));
    assert.equal(a.job.id, 'j-000001');
    assert.equal(b.job.id, 'j-000002');
    assert.equal(a.duplicate, false);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'jobs', 'j-000001.json'), 'utf8'));
    assert.equal(onDisk.name, 'first');
    assert.equal(onDisk.state, 'QUEUED');
    assert.equal(onDisk.createdMs, 1000);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'jobs')).sort(), ['j-000001.json', 'j-000002.json']);
  });

  it('returns the first job for a repeated request id', async () => {
    const store = await JobStore.open(dir, { now });
    const a = await store.submit(newJob('same'));
    const b = await store.submit(newJob('same'));
    assert.equal(b.duplicate, true);
    assert.equal(b.job.id, a.job.id);
    assert.equal(store.list().length, 1);
  });

  it('treats concurrent submissions with one request id as one job', async () => {
    const store = await JobStore.open(dir, { now });
    const [a, b] = await Promise.all([store.submit(newJob('c')), store.submit(newJob('c'))]);
    assert.equal(a.job.id, b.job.id);
    assert.deepEqual([a.duplicate, b.duplicate], [false, true]);
  });

  it('lists newest first and throws E_NOT_FOUND for an unknown id', async () => {
    const store = await JobStore.open(dir, { now });
    for (let i = 0; i < 3; i++) await store.submit(newJob(`r${i}`));
    assert.deepEqual(
      store.list().map((j) => j.id),
      ['j-000003', 'j-000002', 'j-000001'],
    );
    assert.throws(
      () => store.get('x'),
      (e: unknown) =>
        e instanceof GradpoolError &&
        e.code === 'E_NOT_FOUND' &&
        /no job "x"; list jobs with gradpool jobs/.test(e.message),
    );
  });

  it('keeps jobs, updates, request ids and the id counter across a reopen', async () => {
    const store = await JobStore.open(dir, { now });
    await store.submit(newJob('r1'));
    await store.submit(newJob('r2'));
    t = 2000;
    await store.update('j-000002', { state: 'RUNNING', iteration: 4 });
    await store.close();

    const again = await JobStore.open(dir, { now });
    const j2 = again.get('j-000002');
    assert.equal(j2.state, 'RUNNING');
    assert.equal(j2.iteration, 4);
    assert.equal(j2.updatedMs, 2000);
    const dup = await again.submit(newJob('r1'));
    assert.equal(dup.duplicate, true);
    assert.equal(dup.job.id, 'j-000001');
    const next = await again.submit(newJob('r3'));
    assert.equal(next.job.id, 'j-000003');
  });

  it('skips an unreadable record and leaves no temporary files behind', async () => {
    const store = await JobStore.open(dir, { now });
    await store.submit(newJob('r1'));
    fs.writeFileSync(path.join(dir, 'jobs', 'j-000007.json'), '{trunc');
    const again = await JobStore.open(dir, { now });
    assert.deepEqual(
      again.list().map((j) => j.id),
      ['j-000001'],
    );
    assert.equal((await again.submit(newJob('r9'))).job.id, 'j-000008');
    assert.ok(fs.readdirSync(path.join(dir, 'jobs')).every((f) => !f.endsWith('.tmp')));
  });
  it('shows live progress at once but writes it only with the next durable update', async () => {
    const store = await JobStore.open(dir, { now });
    const { job } = await store.submit(newJob('p'));
    await store.update(job.id, { state: 'RUNNING' });
    const file = path.join(dir, 'jobs', `${job.id}.json`);
    const before = fs.readFileSync(file, 'utf8');
    store.setProgress(job.id, { iteration: 7, epoch: 1, bestValAcc: 0.5 });
    assert.equal(store.get(job.id).iteration, 7);
    assert.equal(store.list()[0].epoch, 1);
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'setProgress wrote the record');
    assert.equal((await JobStore.open(dir, { now })).get(job.id).iteration, 0);
    await store.update(job.id, { message: 'checkpointed' });
    const reopened = (await JobStore.open(dir, { now })).get(job.id);
    assert.deepEqual([reopened.iteration, reopened.epoch, reopened.bestValAcc], [7, 1, 0.5]);
    assert.equal(reopened.message, 'checkpointed');
    assert.throws(() => store.setProgress('j-999999', { iteration: 1 }), /no job/);
  });

  it('keeps progress set while a durable update is being written', async () => {
    const store = await JobStore.open(dir, { now });
    const { job } = await store.submit(newJob('q'));
    store.setProgress(job.id, { iteration: 3 });
    const writing = store.update(job.id, { message: 'm' });
    await new Promise((r) => setImmediate(r)); // the write has begun (it awaits the file system)
    store.setProgress(job.id, { iteration: 4 });
    assert.equal((await writing).iteration, 3);
    assert.equal(store.get(job.id).iteration, 4);
  });
});
