/**
 * Chooses the backend: `auto` takes the first that starts of gpu (gpu.js on WebGPU; not yet wired, see the
 * speed issue), then the gpu.js CPU mode, then reference. A forced backend that cannot start is an error.
 */
import { GradpoolError } from '../shared/errors';
import { RunnerBackend, type Backend } from './backend';
import { GpuJsRunner } from './gpujs';
import { ReferenceRunner } from './reference';

/** Backends a user can ask for (`--backend`, GRADPOOL_BACKEND). */
export const BACKEND_NAMES = ['auto', 'reference', 'gpujs-cpu', 'gpujs-webasm'] as const;
/** A backend choice. */
export type BackendName = (typeof BACKEND_NAMES)[number];

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

function start(name: Exclude<BackendName, 'auto'>): Backend {
  switch (name) {
    case 'reference':
      return new RunnerBackend(new ReferenceRunner());
    case 'gpujs-cpu':
      return new RunnerBackend(new GpuJsRunner('cpu'));
    case 'gpujs-webasm':
      return new RunnerBackend(new GpuJsRunner('webasm'));
  }
}

/** Starts the requested backend, or for `auto` the first of the preference order that starts. */
export function selectBackend(name: BackendName, log: (msg: string, fields: object) => void): Backend {
  const order: Exclude<BackendName, 'auto'>[] = name === 'auto' ? ['gpujs-cpu', 'reference'] : [name];
  const failures: string[] = [];
  for (const candidate of order) {
    try {
      const backend = start(candidate);
      log('backend chosen', { backend: backend.name, requested: name, dtype: backend.dtype });
      return backend;
    } catch (e) {
      failures.push(`${candidate}: ${(e as Error).message}`);
      log('backend unavailable', { backend: candidate, reason: (e as Error).message });
    }
  }
  throw new GradpoolError('E_BACKEND_UNAVAILABLE', `no backend could start (${failures.join('; ')})`);
}
