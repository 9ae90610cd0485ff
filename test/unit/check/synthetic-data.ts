/** Small seeded datasets and models for the check tests (fast: no MNIST, a few hundred weights). */
import type { Data } from '../../../kernels/spec';
import { RunnerBackend, type Backend } from '../../../src/backend/backend';
import { ReferenceRunner } from '../../../src/backend/reference';
import type { Dataset } from '../../../src/data/dataset';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { Rng } from '../../../src/shared/rng';
import { parseJobSpec, type JobSpec } from '../../../src/train/job-spec';

/**
 * `count` samples of `shape` with values uniform in [0, 1) (a quarter of them exactly 0, like MNIST's
 * background), labels cycling through 0 … classes−1.
 */
export function syntheticData(count: number, shape: readonly number[], classes: number, seed = 1): Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(seed, 900);
  const x = new Float32Array(count * size);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() < 0.25 ? 0 : rng.uniform();
  const labels = Uint8Array.from({ length: count }, (_, i) => i % classes);
  return { source: 'synthetic', x, labels, count, sampleShape: [...shape], numClasses: classes };
}

/** A validated job spec around `model` (fields of ModelSpec in raw form) and `train` overrides. */
export function specOf(model: object, train: object = {}): JobSpec {
  return parseJobSpec({
    model: { loss: 'softmax', ...model },
    train: { learningRate: 0.05, seed: 3, ...train },
  });
}

/** The network of `spec` and its initial parameters (seeded by train.seed) on `backend`. */
export function netOf(spec: JobSpec, backend: Backend): { net: Sequential; params: Data[] } {
  const net = Sequential.fromSpec(spec.model);
  return { net, params: initParams(net, spec.train.seed, (n) => backend.alloc(n)) };
}

/** The float64 reference backend. */
export function referenceBackend(): Backend {
  return new RunnerBackend(new ReferenceRunner());
}
