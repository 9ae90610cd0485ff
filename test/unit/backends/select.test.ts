/** Backend selection: names, the `auto` order (cpu-pool first), thread counts and logging. */
import * as assert from 'node:assert/strict';
import type { Backend } from '../../../src/backend/backend';
import { CpuPoolBackend } from '../../../src/backend/cpu-pool';
import {
  BACKEND_NAMES,
  backendThreads,
  type BackendName,
  parseBackendName,
  selectBackend,
} from '../../../src/backend/select';

describe('selectBackend', function () {
  this.timeout(30_000);
  let started: Backend[];
  let logs: { msg: string; fields: Record<string, unknown> }[];
  const log = (msg: string, fields: object) => logs.push({ msg, fields: fields as Record<string, unknown> });
  const select = (name: BackendName, threads?: number) => {
    const b = selectBackend(name, log, threads);
    started.push(b);
    return b;
  };

  beforeEach(() => {
    started = [];
    logs = [];
  });

  afterEach(async () => {
    await Promise.all(started.map((b) => b.close()));
  });

  it('knows cpu-pool and still rejects unknown names', () => {
    assert.ok(BACKEND_NAMES.includes('cpu-pool'));
    assert.equal(parseBackendName('cpu-pool', '--backend'), 'cpu-pool');
    assert.throws(
      () => parseBackendName('tpu', '--backend'),
      /--backend: unknown backend "tpu"; use one of auto, /,
    );
  });

  it('auto starts cpu-pool first, with the requested threads, and logs the choice', () => {
    const b = select('auto', 2);
    assert.ok(b instanceof CpuPoolBackend);
    assert.equal(b.name, 'cpu-pool');
    assert.equal(backendThreads(b), 2);
    assert.deepEqual(logs, [
      {
        msg: 'backend chosen',
        fields: { backend: 'cpu-pool', requested: 'auto', dtype: 'float32', threads: 2 },
      },
    ]);
  });

  it('auto falls back to gpujs-cpu when cpu-pool cannot start, and logs why', () => {
    const b = select('auto', 0);
    assert.equal(b.name, 'gpujs-cpu');
    assert.equal(backendThreads(b), 1);
    assert.deepEqual(
      logs.map((l) => [l.msg, l.fields.backend]),
      [
        ['backend unavailable', 'cpu-pool'],
        ['backend chosen', 'gpujs-cpu'],
      ],
    );
    assert.match(String(logs[0].fields.reason), /threads must be a positive integer, got 0/);
  });

  it('a forced cpu-pool that cannot start is an error, not a fallback', () => {
    assert.throws(
      () => select('cpu-pool', 0),
      (e: Error & { code?: string }) =>
        e.code === 'E_BACKEND_UNAVAILABLE' &&
        /cpu-pool: cpu-pool threads must be a positive integer/.test(e.message),
    );
  });

  it('starts each named backend; only cpu-pool has more than one thread', () => {
    assert.equal(backendThreads(select('cpu-pool', 3)), 3);
    for (const name of ['reference', 'gpujs-cpu'] as const) {
      const b = select(name, 3);
      assert.equal(b.name, name);
      assert.equal(backendThreads(b), 1);
    }
  });
});
