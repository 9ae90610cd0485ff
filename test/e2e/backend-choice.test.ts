/**
 * The backend choice end to end: worker processes started with `--backend auto:…` and `--backend gpu`
 * against a real coordinator; what each worker measured and chose reaches the coordinator and shows in
 * `gradpool jobs`. Bad `--backend` values are refused with exit code 2 before anything starts.
 */
import { strict as assert } from 'node:assert';
import { Cluster, clusterPerTest, smallSpec } from '../helpers/cluster';

describe('backend choice per worker', function () {
  this.timeout(180_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('reports the measured auto choice and the gpu fallback in gradpool jobs', async () => {
    const coordinator = await cluster.startCoordinator();
    const address = coordinator.address;
    const worker = (id: string, backend: string) =>
      cluster.spawnCli([
        'worker',
        '--coordinator',
        address,
        '--id',
        id,
        '--backend',
        backend,
        '--threads',
        '1',
      ]);
    const auto = worker('w-auto', 'auto:cpu-pool,gpujs-cpu');
    worker('w-gpu', 'gpu');
    await Promise.all([cluster.waitRegistered('w-auto'), cluster.waitRegistered('w-gpu')]);
    const jobId = await cluster.submit(smallSpec(3, { epochs: 2 }), 'backend-choice');
    const end = await cluster.waitJobEnd(jobId, 120_000);
    assert.equal(end.job.state, 'FINISHED', end.job.message);

    // What the auto worker logged: the times it measured, and the faster one chosen.
    const logged = auto.logs().find((l) => l.msg === 'backend chosen for model');
    assert.ok(logged, auto.tail());
    const times = logged.timesMs as Record<string, number>;
    assert.deepEqual(Object.keys(times).sort(), ['cpu-pool', 'gpujs-cpu']);
    const faster = times['cpu-pool'] <= times['gpujs-cpu'] ? 'cpu-pool' : 'gpujs-cpu';
    assert.equal(logged.backend, faster);

    const jobs = await cluster.cli(['jobs', '--coordinator', address]);
    assert.equal(jobs.code, 0, jobs.stderr);
    const lines = jobs.stdout.split('\n');
    assert.match(lines[0], /^ID +STATE +EPOCH +ITERATION +BEST VAL +BACKEND +NAME$/);
    const row = lines.find((l) => l.startsWith(jobId));
    assert.ok(row, jobs.stdout);
    const column = row.slice(lines[0].indexOf('BACKEND')).split(' ')[0];
    assert.deepEqual(column.split(',').sort(), [...new Set([faster, 'cpu-pool'])].sort());
    const autoLine = lines.find((l) => l.startsWith(`${jobId} w-auto: `));
    assert.ok(autoLine, jobs.stdout);
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    assert.equal(
      autoLine,
      `${jobId} w-auto: ${faster} (auto: cpu-pool ${ms(times['cpu-pool'])}, gpujs-cpu ${ms(times['gpujs-cpu'])} ` +
        `for a ${logged.rows}-row shard)`,
    );
    const gpuLine = lines.find((l) => l.startsWith(`${jobId} w-gpu: `));
    assert.match(gpuLine ?? '', / w-gpu: cpu-pool \(gpu unavailable \(.+\); fell back to cpu-pool\)$/);

    const json = await cluster.cli(['jobs', '--json', '--coordinator', address]);
    const job = json.events().find((e) => e.id === jobId) as { workerBackends?: { workerId: string }[] };
    assert.deepEqual(job.workerBackends?.map((w) => w.workerId).sort(), ['w-auto', 'w-gpu']);
  });

  it('refuses a bad --backend with exit code 2, naming the flag and the choices', async () => {
    for (const [backend, why] of [
      [
        'fast',
        /--backend: unknown backend "fast"; use one of auto, reference, cpu-pool, gpujs-cpu, gpujs-webasm, gpu, cpu, or auto:/,
      ],
      ['auto:cpu,reference', /--backend: "auto:cpu,reference" must list distinct float32 backends/],
    ] as const) {
      const p = await cluster.cli(['worker', '--coordinator', '127.0.0.1:1', '--backend', backend]);
      assert.equal(p.code, 2, p.stderr);
      assert.match(p.stderr, why);
    }
  });
});
