/**
 * Operations against real processes (from dist/, on 127.0.0.1 port 0): graceful SIGTERM of a worker and
 * of the coordinator (resume from the shutdown checkpoint), Prometheus /metrics scraped during a job, and
 * the log formats.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Cluster,
  clusterPerTest,
  matches,
  referenceFingerprint,
  smallSpec,
  waitFor,
} from '../helpers/cluster';

/** Iterations of the checkpoint files of a job, newest first. */
function checkpointIterations(dataDir: string, jobId: string): number[] {
  const dir = join(dataDir, 'checkpoints', jobId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => /^ckpt-(\d+)\.bin$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
}

/** The value of sample `name` (with its labels, e.g. `x{kind="shard"}`) in an exposition text. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in\n${text.slice(0, 2000)}`);
  return Number(line.slice(name.length + 1));
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('operations with real processes', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('a worker on SIGTERM hands back its queued shard, finishes the current one and exits 0; nothing waits for a lease', async () => {
    const spec = smallSpec(61, { epochs: 3 });
    const reference = referenceFingerprint(spec);
    // A lease this long would stall the job for a minute if a shard of the leaving worker were lost.
    const coordinator = await cluster.startCoordinator({ leaseMs: 120_000 });
    const [, leaving] = await cluster.startWorkers(['stay', 'leave']);
    const jobId = await cluster.submit(spec, 'worker-sigterm');
    await cluster.waitJob(jobId, 'iteration >= 4', (j) => j.iteration >= 4);
    // Catch it holding a shard: frozen until the job stalls on it, then SIGTERM and thawed together.
    await cluster.freezeHoldingTask(leaving, jobId);
    const sentAt = coordinator.logs().length;
    leaving.kill('SIGTERM');
    leaving.kill('SIGCONT');
    await leaving.waitExit(20_000);
    assert.equal(leaving.code, 0, leaving.tail());
    const wlogs = leaving.logs();
    assert.ok(wlogs.some((l) => l.msg.startsWith('stopping: handing back queued tasks')));
    assert.ok(wlogs.some((l) => l.msg === 'worker closed'));

    const end = await cluster.waitJobEnd(jobId, 90_000);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);
    const after = coordinator.logs().slice(sentAt);
    assert.ok(after.some((l) => matches(l, 'worker unregistered', { workerId: 'leave' })));
    assert.ok(!after.some((l) => l.msg === 'lease expired; task re-issued'), 'a shard waited for its lease');
    // What it held when signalled was either finished (result accepted) or handed back (re-issued at once).
    assert.ok(
      after.some(
        (l) =>
          matches(l, 'shard result received', { workerId: 'leave', jobId }) ||
          matches(l, 'task handed back by a draining worker; re-issued', { workerId: 'leave' }),
      ),
      'the task it held was neither finished nor handed back',
    );
    // Every task it handed back was accounted for by the coordinator at once: re-issued on the hand-back,
    // found no longer leased to it (finished or re-issued meanwhile), or, when its stream ended before the
    // hand-back was read, released by the unregistering; no lease was waited out (checked above).
    const handedBack = wlogs
      .filter((l) => l.msg === 'task handed back: shutting down')
      .map((l) =>
        l.kind === 'eval'
          ? `${String(l.jobId)}/e${String(l.evalId)}`
          : `${String(l.jobId)}/s${String(l.step)}/${String(l.shard)}`,
      )
      .sort();
    const received = after
      .filter(
        (l) =>
          matches(l, 'task handed back by a draining worker; re-issued', { workerId: 'leave' }) ||
          matches(l, 'task handed back by a draining worker; not leased to it, nothing to re-issue', {
            workerId: 'leave',
          }),
      )
      .map((l) => String(l.task));
    const released = after
      .filter((l) => matches(l, 'worker unregistered', { workerId: 'leave' }))
      .flatMap((l) => (Array.isArray(l.released) ? l.released.map(String) : []));
    for (const task of handedBack) {
      assert.ok(
        received.includes(task) || released.includes(task),
        `handed-back task ${task} was neither re-issued on the hand-back nor released when leave unregistered`,
      );
    }
  });

  it('a coordinator on SIGTERM checkpoints the running job at its current iteration, exits 0, and resumes there', async () => {
    const spec = smallSpec(62, { epochs: 4 });
    const reference = referenceFingerprint(spec);
    // No periodic checkpoints: mid-epoch, only the shutdown writes one.
    const first = await cluster.startCoordinator({ checkpointEvery: 1_000_000, leaseMs: 120_000 });
    await cluster.startWorkers(['w1', 'w2']);
    const jobId = await cluster.submit(spec, 'coordinator-sigterm');
    await cluster.waitJob(jobId, 'mid-epoch of epoch 1', (j) => j.iteration >= 14 && j.iteration % 12 >= 2);
    first.kill('SIGTERM');
    await first.waitExit(25_000);
    assert.equal(first.code, 0, first.tail());
    const logs = first.logs();
    const saved = logs.find((l) => matches(l, 'job checkpointed for shutdown', { jobId }));
    assert.ok(saved, 'no shutdown checkpoint logged');
    const at = Number(saved.iteration);
    assert.ok(at % 12 !== 0, `iteration ${at} is an epoch end (checkpointed anyway)`);
    assert.equal(checkpointIterations(cluster.dataDir, jobId)[0], at, 'newest checkpoint file');
    // The durable job record says the same iteration: nothing ran past the checkpoint.
    const record = JSON.parse(readFileSync(join(cluster.dataDir, 'jobs', `${jobId}.json`), 'utf8')) as {
      iteration: number;
      state: string;
    };
    assert.equal(record.iteration, at);
    assert.equal(record.state, 'RUNNING');
    assert.ok(logs.some((l) => l.msg === 'coordinator stopped'));

    const second = await cluster.startCoordinator({ port: first.port, leaseMs: 120_000 });
    const resumed = await second.waitForLog('job resumed', { jobId }, 20_000);
    assert.equal(resumed.iteration, at, 'resumed at the shutdown iteration');
    const end = await cluster.waitJobEnd(jobId, 90_000);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);
  });

  it('a coordinator with a client watching exits 0 on SIGTERM within its shutdown timeout', async () => {
    const coordinator = await cluster.startCoordinator({ extraArgs: ['--shutdown-timeout', '10'] });
    const jobId = await cluster.submit(smallSpec(63), 'watched'); // no worker: it waits
    const watcher = cluster.spawnCli(['watch', jobId, '--coordinator', coordinator.address, '--json']);
    await cluster.waitJob(jobId, 'RUNNING', (j) => j.state === 'RUNNING');
    const t0 = Date.now();
    coordinator.kill('SIGTERM');
    await coordinator.waitExit(15_000);
    assert.equal(coordinator.code, 0, coordinator.tail());
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
    // The watcher rides out the outage (src/cli/reconnect.ts) rather than failing at once.
    await waitFor(
      'the watcher to retry',
      () => /coordinator unreachable .*retrying in \d+ ms/.test(watcher.stderr),
      10_000,
    );
    assert.ok(watcher.alive);
  });

  it('serves Prometheus metrics that move during a job, on --metrics-port and the dashboard port', async () => {
    const coordinator = await cluster.startCoordinator({ metricsPort: 0, httpPort: 0 });
    assert.ok(coordinator.metricsUrl && coordinator.dashboardUrl, coordinator.tail());
    await cluster.startWorkers(['m1', 'm2']);
    const before = await scrape(coordinator.metricsUrl);
    assert.equal(sample(before, 'gradpool_connected_workers'), 2);
    assert.equal(sample(before, 'gradpool_steps_total'), 0);
    const jobId = await cluster.submit(smallSpec(64), 'metrics');
    await cluster.waitJob(jobId, 'iteration >= 3', (j) => j.iteration >= 3);
    const during = await scrape(coordinator.metricsUrl);
    assert.ok(sample(during, 'gradpool_steps_total') >= 3);
    assert.ok(sample(during, 'gradpool_samples_total{kind="shard"}') >= 3 * 50);
    assert.ok(sample(during, 'gradpool_shard_latency_seconds_count') >= 12);
    assert.ok(sample(during, 'gradpool_steps_per_second') > 0);
    assert.equal(sample(during, 'gradpool_jobs{state="RUNNING"}'), 1);
    const end = await cluster.waitJobEnd(jobId);
    assert.equal(end.job.state, 'FINISHED');
    const after = await scrape(`${coordinator.dashboardUrl}metrics`);
    assert.equal(sample(after, 'gradpool_jobs{state="FINISHED"}'), 1);
    assert.equal(sample(after, 'gradpool_jobs{state="RUNNING"}'), 0);
    // 600 samples: 540 train after the 5% val and test splits, 3 epochs of 50-sample batches.
    assert.equal(end.job.iteration, sample(after, 'gradpool_steps_total'));
    assert.ok(sample(after, 'gradpool_steps_total') > sample(during, 'gradpool_steps_total'));
    assert.ok(
      sample(after, 'gradpool_samples_total{kind="shard"}') >=
        50 * sample(after, 'gradpool_steps_total') - 50,
    );
    const missing = await fetch(coordinator.metricsUrl.replace('/metrics', '/nope'));
    assert.equal(missing.status, 404);
  });

  it('--log-format json writes one object per line with ts, level, component and msg; text is readable', async () => {
    const json = await cluster.startCoordinator({ extraArgs: ['--log-format', 'json'] });
    await cluster.startWorkers(['j1']);
    json.kill('SIGTERM');
    await json.waitExit(15_000);
    const lines = json.stderr.split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length >= 3, json.stderr);
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>;
      for (const k of ['ts', 'level', 'component', 'msg']) assert.ok(k in o, `${k} missing in ${line}`);
      assert.ok(!Number.isNaN(Date.parse(String(o.ts))), line);
    }
    assert.ok(
      lines.some((l) => (JSON.parse(l) as { workerId?: string }).workerId === 'j1'),
      'fields as keys',
    );

    const text = await cluster.startCoordinator({ env: { GRADPOOL_LOG_FORMAT: 'text' } });
    await waitFor('a log line', () => text.stderr.includes('coordinator listening'), 10_000);
    assert.match(
      text.stderr,
      /^\S+Z INFO  coordinator: coordinator listening host=127\.0\.0\.1 port=\d+ tls=off auth=open$/m,
    );

    const bad = await cluster.cli(['coordinator', '--data-dir', cluster.dataDir, '--log-format', 'xml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--log-format: unknown log format "xml"; use json or text/);
    const badTimeout = await cluster.cli([
      'worker',
      '--coordinator',
      '127.0.0.1:1',
      '--shutdown-timeout',
      '-1',
    ]);
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.stderr, /--shutdown-timeout must be seconds in \[0\.1, 3600\], got "-1"/);
  });
});
