/**
 * Chooses the backend. `cpu` is cpu-pool (the gpu.js kernels on a piscina thread pool); `gpu` is gpu.js on
 * WebGPU, and where that cannot start it falls back to cpu-pool with the reason logged; `auto` starts every
 * float32 candidate that starts (gpu, cpu-pool, gpujs-cpu) and measures them per model shape
 * (AutoBackend), falling back to reference only when none starts. The other names force one backend; a
 * forced backend that cannot start is an error.
 */
import { GradpoolError } from '../shared/errors';
import type { Sequential } from '../model/sequential';
import { AutoBackend, describeChoice, type AutoCandidate } from './auto-backend';
import { RunnerBackend, type Backend } from './backend';
import { CpuPoolBackend } from './cpu-pool';
import { GpuJsRunner } from './gpujs';
import { ReferenceRunner } from './reference';

/** Backends a user can ask for (`--backend`, GRADPOOL_BACKEND). */
export const BACKEND_NAMES = [
  'auto',
  'reference',
  'cpu-pool',
  'gpujs-cpu',
  'gpujs-webasm',
  'gpu',
  'cpu',
] as const;
/** A backend choice; `auto:a,b` is auto over the listed candidates only. */
export type BackendName = (typeof BACKEND_NAMES)[number] | `auto:${string}`;

/** A backend that one name starts (`auto` and `cpu` are not such names). */
type SingleName = Exclude<(typeof BACKEND_NAMES)[number], 'auto' | 'cpu'>;

/**
 * What plain `auto` measures: the GPU and the CPU pool. Where only one starts it is used without a probe;
 * where neither does, the single-thread backends follow (gpujs-cpu, then reference).
 */
const AUTO_CANDIDATES: readonly SingleName[] = ['gpu', 'cpu-pool'];
const AUTO_FALLBACKS: readonly SingleName[] = ['gpujs-cpu', 'reference'];
/** Backends an `auto:` list may name (float32 ones: auto hands one element type to the worker). */
const AUTO_LISTABLE: readonly string[] = ['gpu', 'cpu', 'cpu-pool', 'gpujs-cpu', 'gpujs-webasm'];

/** Why a backend fell back, or how auto chose, by backend object (for the worker's report). */
const notes = new WeakMap<Backend, string>();

/** Parses a backend name from a flag or the environment. */
export function parseBackendName(raw: string, source: string): BackendName {
  if (raw.startsWith('auto:')) {
    const list = raw.slice(5).split(',');
    const bad = list.find((n) => !AUTO_LISTABLE.includes(n));
    if (bad !== undefined || new Set(list.map(single)).size !== list.length) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `${source}: "${raw}" must list distinct float32 backends after auto:, e.g. auto:cpu-pool,gpujs-cpu ` +
          `(from ${AUTO_LISTABLE.join(', ')})${bad !== undefined ? `; "${bad}" is not one` : ''}`,
      );
    }
    return raw as BackendName;
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${source}: unknown backend "${raw}"; use one of ${BACKEND_NAMES.join(', ')}, or auto:NAME,NAME…`,
    );
  }
  return raw as BackendName;
}

/**
 * Why gpu.js cannot run on WebGPU in this process, or undefined when it might: the Dawn binding (npm
 * `webgpu`) must load (it needs glibc ≥ 2.38) and `navigator.gpu` must exist (Node 20 has none of its own).
 */
export function gpuUnavailableReason(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('webgpu');
  } catch (e) {
    const first = String((e as Error).message).split('\n')[0];
    return `the WebGPU binding (npm webgpu, Dawn) does not load here: ${first}`;
  }
  if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
    return 'navigator.gpu is not set in this Node process (no WebGPU shim installed)';
  }
  return undefined;
}

/**
 * What a worker reports for `net`: the backend computing it (auto: the one it chose, once the first shard
 * ran) and a detail line (auto's measurements, a fallback's reason); '' when there is nothing to add.
 */
export function backendReport(backend: Backend, net: Sequential): { backend: string; detail: string } {
  const note = notes.get(backend) ?? '';
  if (backend instanceof AutoBackend) {
    const choice = backend.choiceFor(net);
    if (!choice) return { backend: 'auto', detail: note };
    return { backend: choice.backend, detail: [describeChoice(choice), note].filter(Boolean).join('; ') };
  }
  return { backend: backend.name, detail: note };
}

/**
 * Threads a backend computes with: the pool size of cpu-pool, 1 for the backends on the calling thread,
 * the most of its candidates for auto.
 */
export function backendThreads(backend: Backend): number {
  if (backend instanceof AutoBackend)
    return Math.max(...backend.candidates.map((c) => backendThreads(c.backend)));
  return backend instanceof CpuPoolBackend ? backend.threads : 1;
}

/** The backend a single name starts (`cpu` is cpu-pool). */
function single(name: string): SingleName {
  return (name === 'cpu' ? 'cpu-pool' : name) as SingleName;
}

function start(
  name: SingleName,
  log: (msg: string, fields: object) => void,
  threads: number | undefined,
): Backend {
  switch (name) {
    case 'gpu': {
      const reason = gpuUnavailableReason();
      if (reason) throw new GradpoolError('E_BACKEND_UNAVAILABLE', reason);
      return new RunnerBackend(new GpuJsRunner('webgpu'));
    }
    case 'cpu-pool':
      return new CpuPoolBackend({ threads, log });
    case 'reference':
      return new RunnerBackend(new ReferenceRunner());
    case 'gpujs-cpu':
      return new RunnerBackend(new GpuJsRunner('cpu'));
    case 'gpujs-webasm':
      return new RunnerBackend(new GpuJsRunner('webasm'));
  }
}

/** Logs that `backend` was chosen for `requested`. */
function chosen(
  backend: Backend,
  requested: BackendName,
  log: (msg: string, fields: object) => void,
): Backend {
  log('backend chosen', {
    backend: backend.name,
    requested,
    dtype: backend.dtype,
    threads: backendThreads(backend),
    ...(notes.has(backend) ? { note: notes.get(backend) } : {}),
  });
  return backend;
}

/**
 * Starts the requested backend. `threads` sizes the cpu-pool (default os.availableParallelism()); the
 * other backends compute on the calling thread. `gpu` falls back to cpu-pool (logged, with the reason);
 * `auto` starts its candidates and measures them per model shape, or falls back to reference.
 */
export function selectBackend(
  name: BackendName,
  log: (msg: string, fields: object) => void,
  threads?: number,
): Backend {
  if (name === 'auto') return selectAuto(name, AUTO_CANDIDATES, AUTO_FALLBACKS, log, threads);
  if (name.startsWith('auto:'))
    return selectAuto(name, name.slice(5).split(',').map(single), [], log, threads);
  if (name === 'gpu') {
    try {
      return chosen(start('gpu', log, threads), name, log);
    } catch (e) {
      const reason = (e as Error).message;
      log('backend unavailable', { backend: 'gpu', reason, fallback: 'cpu-pool' });
      const backend = start('cpu-pool', log, threads);
      notes.set(backend, `gpu unavailable (${reason}); fell back to cpu-pool`);
      return chosen(backend, name, log);
    }
  }
  const one = single(name);
  try {
    return chosen(start(one, log, threads), name, log);
  } catch (e) {
    log('backend unavailable', { backend: one, reason: (e as Error).message });
    throw new GradpoolError('E_BACKEND_UNAVAILABLE', `${one}: ${(e as Error).message}`);
  }
}

/**
 * `auto`: every candidate that starts; two or more are measured per model shape (AutoBackend), one is used
 * as it is; with none, the first fallback that starts.
 */
function selectAuto(
  requested: BackendName,
  candidates: readonly SingleName[],
  fallbacks: readonly SingleName[],
  log: (msg: string, fields: object) => void,
  threads: number | undefined,
): Backend {
  const started: AutoCandidate[] = [];
  const failures: string[] = [];
  const tryStart = (name: SingleName): Backend | undefined => {
    try {
      return start(name, log, threads);
    } catch (e) {
      failures.push(`${name} unavailable: ${(e as Error).message}`);
      log('backend unavailable', { backend: name, reason: (e as Error).message });
      return undefined;
    }
  };
  for (const name of candidates) {
    const backend = tryStart(name);
    if (backend) started.push({ name, backend });
  }
  let backend: Backend | undefined;
  if (started.length >= 2) {
    backend = new AutoBackend(started, {
      onChoice: (choice, shape) =>
        log('backend chosen for model', {
          backend: choice.backend,
          shape,
          timesMs: choice.timesMs,
          rows: choice.rows,
        }),
    });
    log('backend candidates', { candidates: started.map((c) => c.name) });
  } else {
    backend = started[0]?.backend;
    for (const name of fallbacks) backend ??= tryStart(name);
  }
  if (!backend) {
    throw new GradpoolError('E_BACKEND_UNAVAILABLE', `no backend could start (${failures.join('; ')})`);
  }
  if (failures.length > 0) notes.set(backend, `auto: ${failures.join('; ')}`);
  return chosen(backend, requested, log);
}
