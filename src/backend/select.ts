/**
 * Chooses the backend: `auto` takes the first that starts of cpu-pool (gpu.js CPU mode on a piscina
 * thread pool), then the gpu.js CPU mode on the calling thread, then reference; gpu (gpu.js on WebGPU) is
 * not yet wired, see the speed issue. A forced backend that cannot start is an error.
 */
import { GradpoolError } from '../shared/errors';
import { RunnerBackend, type Backend } from './backend';
import { CpuPoolBackend } from './cpu-pool';
import { GpuJsRunner } from './gpujs';
import { ReferenceRunner } from './reference';

/** Backends a user can ask for (`--backend`, GRADPOOL_BACKEND). */
export const BACKEND_NAMES = ['auto', 'reference', 'cpu-pool', 'gpujs-cpu', 'gpujs-webasm'] as const;
/** A backend choice. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The order `auto` tries. */
const AUTO_ORDER: readonly Exclude<BackendName, 'auto'>[] = ['cpu-pool', 'gpujs-cpu', 'reference'];

/** Parses a backend name from a flag or the environment. */
export function parseBackendName(raw: string, source: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${source}: unknown backend "${raw}"; use one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  return raw as BackendName;
}

/** Threads a backend computes with: the pool size of cpu-pool, 1 for the backends on the calling thread. */
export function backendThreads(backend: Backend): number {
  return backend instanceof CpuPoolBackend ? backend.threads : 1;
}

function start(
  name: Exclude<BackendName, 'auto'>,
  log: (msg: string, fields: object) => void,
  threads: number | undefined,
): Backend {
  switch (name) {
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

/**
 * Starts the requested backend, or for `auto` the first of the preference order that starts. `threads`
 * sizes the cpu-pool (default os.availableParallelism()); the other backends compute on the calling thread.
 */
export function selectBackend(
  name: BackendName,
  log: (msg: string, fields: object) => void,
  threads?: number,
): Backend {
  const order = name === 'auto' ? AUTO_ORDER : [name];
  const failures: string[] = [];
  for (const candidate of order) {
    try {
      const backend = start(candidate, log, threads);
      log('backend chosen', {
        backend: backend.name,
        requested: name,
        dtype: backend.dtype,
        threads: backendThreads(backend),
      });
      return backend;
    } catch (e) {
      failures.push(`${candidate}: ${(e as Error).message}`);
      log('backend unavailable', { backend: candidate, reason: (e as Error).message });
    }
  }
  throw new GradpoolError('E_BACKEND_UNAVAILABLE', `no backend could start (${failures.join('; ')})`);
}
