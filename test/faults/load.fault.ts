/**
 * Load: 20 jobs from 5 clients, each client on a host of its own running 4 `gradpool submit --watch`
 * processes at once, against a coordinator with 3 workers on hosts of their own. Every job must finish
 * with its fault-free fingerprint, no job may be lost or duplicated, and nothing may run past its deadline.
 */
import { strict as assert } from 'node:assert';
import { referenceFingerprint, settlesWithin, smallSpec, type Proc } from '../helpers/cluster';
import type { Host } from '../helpers/netns';
import type { FaultEnv } from './fault-env';
import { pass, scenario } from './report';
import { faultSuite } from './suite';

const CLIENTS = 5;
const JOBS_PER_CLIENT = 4;
/** Every job must have ended this long after the first submission. */
const DEADLINE_MS = 420_000;

describe('fault suite: load', function () {
  let env: FaultEnv;

  faultSuite((e) => (env = e));

  it('20 concurrent jobs from 5 clients with watchers all finish with their fingerprints', async function () {
    this.timeout(DEADLINE_MS + 120_000);
    const row = scenario(
      `${CLIENTS * JOBS_PER_CLIENT} concurrent jobs from ${CLIENTS} clients (submit --watch each)`,
      'all FINISHED with their fault-free fingerprints; none lost or duplicated; none past the deadline',
    );
    // One spec per client (4 jobs each), small enough that 20 of them fit the deadline on a loaded machine.
    const specs = Array.from({ length: CLIENTS }, (_, c) => smallSpec(300 + c, { epochs: 1, subset: 400 }));
    const references = specs.map((s) => referenceFingerprint(s, 180_000));
    const coordinator = await env.startCoordinator({ extraArgs: ['--max-running-jobs', '4'] });
    await env.startWorkers(['w1', 'w2', 'w3']);
    const clientHosts: Host[] = [];
    for (let c = 0; c < CLIENTS; c++) clientHosts.push(await env.lab.addHost(`client${c + 1}`));

    const t0 = Date.now();
    const submits: { client: number; proc: Proc }[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const host = clientHosts[c];
      const file = env.cluster.specFile(specs[c]);
      for (let k = 0; k < JOBS_PER_CLIENT; k++) {
        const args = ['submit', file, '--watch', '--json', '--request-id', `client${c + 1}-job${k + 1}`];
        const proc = env.cluster.spawnCli(
          [...args, '--coordinator', `${host.gatewayIp}:${coordinator.port}`],
          host.netns,
        );
        submits.push({ client: c, proc });
      }
    }
    row.jobsAccepted = submits.length;
    const ended = await settlesWithin(
      Promise.all(submits.map((s) => s.proc.exited)),
      DEADLINE_MS - (Date.now() - t0),
    );
    const wallMs = Date.now() - t0;
    const done = submits.map((s) => s.proc.events().find((e) => e.type === 'done'));
    const submitted = submits.map((s) => s.proc.events().find((e) => e.type === 'submitted'));
    const refs = await Promise.all(references);
    const good = submits.filter(
      (s, i) => done[i]?.status === 'finished' && done[i]?.fingerprint === refs[s.client],
    );
    row.jobsLost = submits.length - good.length;
    assert.ok(ended, `not every job ended within ${DEADLINE_MS} ms`);
    for (const [i, s] of submits.entries()) {
      assert.equal(s.proc.code, 0, s.proc.tail());
      assert.equal(done[i]?.status, 'finished', s.proc.tail());
      assert.equal(done[i]?.fingerprint, refs[s.client], `client ${s.client + 1}`);
    }
    const ids = new Set(submitted.map((e) => String(e?.jobId)));
    assert.equal(ids.size, submits.length, 'every submission got a job of its own');
    const jobs = await env.cluster.client().listJobs();
    assert.equal(jobs.length, submits.length);
    assert.ok(jobs.every((j) => j.state === 'FINISHED' && ids.has(j.id)));
    const steps = await env.metric('gradpool_steps_total');
    assert.equal(
      steps,
      jobs.reduce((a, j) => a + j.iteration, 0),
    );
    const retries = submits.reduce(
      (a, s) => a + (s.proc.stderr.match(/retrying in \d+ ms/g)?.length ?? 0),
      0,
    );
    row.observed =
      `all ${submits.length} FINISHED with their fingerprints in ${(wallMs / 1000).toFixed(1)} s ` +
      `(deadline ${DEADLINE_MS / 1000} s); ${ids.size} distinct jobs; ${steps} steps; ` +
      `${retries} client retries after a dropped connection`;
    pass(row);
  });
});
