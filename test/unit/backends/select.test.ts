/** Backend selection: names, `auto` (gpu and cpu-pool; fallbacks), `gpu`'s fallback, threads and logging. */
import * as assert from 'node:assert/strict';
import type { Backend } from '../../../src/backend/backend';
import { CpuPoolBackend } from '../../../src/backend/cpu-pool';
import { Sequential } from '../../../src/model/sequential';
import { parseJobSpec } from '../../../src/train/job-spec';
import {
  BACKEND_NAMES,
  backendReport,
  backendThreads,
  gpuUnavailableReason,
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

  it('auto uses cpu-pool, with the requested threads, where gpu cannot start, and logs both', () => {
    const reason = gpuUnavailableReason();
    assert.ok(reason, 'this test expects a machine without WebGPU in Node');
    const b = select('auto', 2);
    assert.ok(b instanceof CpuPoolBackend);
    assert.equal(b.name, 'cpu-pool');
    assert.equal(backendThreads(b), 2);
    const note = `auto: gpu unavailable: ${reason}`;
    assert.deepEqual(logs, [
      { msg: 'backend unavailable', fields: { backend: 'gpu', reason } },
      {
        msg: 'backend chosen',
        fields: { backend: 'cpu-pool', requested: 'auto', dtype: 'float32', threads: 2, note },
      },
    ]);
  });

  it('auto falls back to gpujs-cpu when neither gpu nor cpu-pool can start, and logs why', () => {
    const b = select('auto', 0);
    assert.equal(b.name, 'gpujs-cpu');
    assert.equal(backendThreads(b), 1);
    assert.deepEqual(
      logs.map((l) => [l.msg, l.fields.backend]),
      [
        ['backend unavailable', 'gpu'],
        ['backend unavailable', 'cpu-pool'],
        ['backend chosen', 'gpujs-cpu'],
      ],
    );
    assert.match(String(logs[1].fields.reason), /threads must be a positive integer, got 0/);
  });

  it('gpu falls back to cpu-pool with the reason logged and reported', () => {
    const b = select('gpu', 1);
    assert.equal(b.name, 'cpu-pool');
    assert.deepEqual(logs[0], {
      msg: 'backend unavailable',
      fields: { backend: 'gpu', reason: gpuUnavailableReason(), fallback: 'cpu-pool' },
    });
    assert.equal(logs[1].msg, 'backend chosen');
    assert.equal(logs[1].fields.requested, 'gpu');
    const net = Sequential.fromSpec(
      parseJobSpec({
        model: { input: [4], layers: [{ affine: 2 }], loss: 'softmax' },
        train: { learningRate: 0.1 },
      }).model,
    );
    const report = backendReport(b, net);
    assert.equal(report.backend, 'cpu-pool');
    assert.match(report.detail, /^gpu unavailable \(the WebGPU binding .*\); fell back to cpu-pool$/);
  });

  it('cpu is cpu-pool; known names and auto lists parse, bad ones name the flag and the choices', () => {
    assert.equal(select('cpu', 2).name, 'cpu-pool');
    for (const name of ['auto', 'gpu', 'cpu', 'reference', 'cpu-pool', 'gpujs-cpu', 'gpujs-webasm']) {
      assert.equal(parseBackendName(name, '--backend'), name);
    }
    assert.equal(parseBackendName('auto:cpu,gpujs-cpu', '--backend'), 'auto:cpu,gpujs-cpu');
    assert.throws(
      () => parseBackendName('fast', '--backend'),
      /--backend: unknown backend "fast"; use one of auto, reference, cpu-pool, gpujs-cpu, gpujs-webasm, gpu, cpu, or auto:NAME/,
    );
    assert.throws(
      () => parseBackendName('auto:cpu,reference', 'GRADPOOL_BACKEND'),
      (e: Error & { code?: string }) =>
        e.code === 'E_BAD_ARGS' &&
        /^GRADPOOL_BACKEND: "auto:cpu,reference" must list distinct float32 backends.*"reference" is not one$/.test(
          e.message,
        ),
    );
    assert.throws(() => parseBackendName('auto:cpu,cpu-pool', '--backend'), /must list distinct/);
    assert.throws(() => parseBackendName('auto:', '--backend'), /"" is not one/);
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
