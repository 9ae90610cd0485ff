import { strict as assert } from 'node:assert';
import type { CoordinatorClient, JobEventInfo } from '../../../src/coordinator/client';
import { retryUnavailable, watchWithReconnect } from '../../../src/cli/reconnect';
import { GradpoolError } from '../../../src/shared/errors';

const down = () => new GradpoolError('E_UNAVAILABLE', 'coordinator x: Connection dropped (UNAVAILABLE)');
const epoch = (n: number) => ({ jobId: 'j', epoch: { epoch: n } }) as unknown as JobEventInfo;

describe('CLI reconnects', () => {
  it('retries a call while the coordinator is unavailable, and only then', async () => {
    let calls = 0;
    const retries: number[] = [];
    const v = await retryUnavailable(
      async () => {
        if (++calls < 3) throw down();
        return 'job';
      },
      (_e, ms) => retries.push(ms),
    );
    assert.equal(v, 'job');
    assert.deepEqual(retries, [250, 500]);
    let bad = 0;
    await assert.rejects(
      retryUnavailable(async () => {
        bad++;
        throw new GradpoolError('E_BAD_SPEC', 'train.epochs must be a positive integer');
      }),
      /train\.epochs/,
    );
    assert.equal(bad, 1, 'a bad spec is not retried');
    await assert.rejects(
      retryUnavailable(async () => Promise.reject(down()), undefined, 100),
      /Connection dropped/,
    );
    let tls = 0;
    const handshake = new GradpoolError('E_UNAVAILABLE', 'coordinator x: … (a TLS handshake failed: …)');
    await assert.rejects(
      retryUnavailable(async () => {
        tls++;
        throw handshake;
      }),
      /TLS handshake failed/,
    );
    assert.equal(tls, 1, 'a TLS mismatch is not retried');
  });

  it('re-subscribes a broken watch and passes each epoch on once', async () => {
    const streams: JobEventInfo[][] = [
      [epoch(0), epoch(1)],
      [epoch(0), epoch(1), epoch(2), { jobId: 'j', done: { state: 'FINISHED' } } as unknown as JobEventInfo],
    ];
    let n = 0;
    const client = {
      watch: async (_id: string, on: (e: JobEventInfo) => void) => {
        const events = streams[n++];
        for (const e of events) on(e);
        if (n === 1) throw down(); // the first stream breaks after two epochs
      },
    } as unknown as CoordinatorClient;
    const seen: string[] = [];
    await watchWithReconnect(client, 'j', (e) => seen.push(e.epoch ? `epoch ${e.epoch.epoch}` : 'done'));
    assert.deepEqual(seen, ['epoch 0', 'epoch 1', 'epoch 2', 'done']);
    assert.equal(n, 2);
  });
});
