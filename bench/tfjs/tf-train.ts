/**
 * One TensorFlow.js training run for bench/compare.ts, in its own process:
 *
 *   node dist/bench/tfjs/tf-train.js SPEC.json wasm|cpu [--max-iterations K] [--eval-samples M]
 *
 * Same protocol as gradpool's Trainer: the job's data and split (loadJobData), its mini-batches
 * (sampleIndices), its initial parameters (initParams), momentum with the job's learning rate, and the
 * recipe's accuracy checks (1000 training samples and the validation split) after the first update and at
 * every epoch end, all inside the timed loop. Prints one JSON line:
 * `{"type":"done","backend","simd","seconds","samplesPerSecond","iterations","stepMs","epochs":[{cost,trainAcc,valAcc}]}`;
 * stepMs[i] is the wall time of update i, its evaluations included (as bench/gp-train.ts measures it).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sampleSize, subsetOf, type Dataset } from '../../src/data/dataset';
import { initParams } from '../../src/model/init';
import { Sequential } from '../../src/model/sequential';
import { Rng, RngStream } from '../../src/shared/rng';
import { parseJobSpec } from '../../src/train/job-spec';
import { loadJobData } from '../../src/train/run-job';
import { sampleIndices, TRAIN_ACC_SAMPLES } from '../../src/train/trainer';
import { buildTfNet, type TfNet } from './tf-net';

/** Starts TF.js on `name`; for wasm, reports whether the SIMD build loaded. */
export async function startTf(name: 'wasm' | 'cpu'): Promise<{ backend: string; simd: boolean | null }> {
  if (name === 'wasm') {
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} did not start`);
  await tf.ready();
  const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null;
  return { backend: tf.getBackend(), simd };
}

/** Samples `indices` of `d` as a TF.js batch (NHWC for images; one channel is the same bytes as NCHW). */
function batchOf(
  d: Dataset,
  indices: ArrayLike<number>,
  nhwc: boolean,
): { x: tf.Tensor; labels: Uint8Array } {
  const sub = subsetOf(d, indices);
  const [c, h, w] = d.sampleShape;
  let x: tf.Tensor = tf.tensor(sub.x, [sub.count, sampleSize(d)]);
  if (nhwc) x = tf.tidy(() => x.reshape([sub.count, c, h, w]).transpose([0, 2, 3, 1]));
  return { x, labels: sub.labels };
}

/** Fraction of `indices` of `d` that `net` classifies right (batches of 500, test mode). */
function accuracy(net: TfNet, d: Dataset, indices: ArrayLike<number>, nhwc: boolean): number {
  let correct = 0;
  for (let i = 0; i < indices.length; i += 500) {
    const part = Array.from(indices).slice(i, i + 500);
    const { x, labels } = batchOf(d, part, nhwc);
    const pred = tf.tidy(() => net.forward(x).argMax(1).dataSync());
    x.dispose();
    for (let j = 0; j < part.length; j++) if (pred[j] === labels[j]) correct++;
  }
  return indices.length > 0 ? correct / indices.length : 0;
}

/** The Trainer's training-accuracy sample of `epoch` (src/train/trainer.ts trainSubset). */
function trainSubset(seed: number, epoch: number, n: number): Uint32Array {
  if (n <= TRAIN_ACC_SAMPLES) return Uint32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(seed, RngStream.trainSubset, epoch);
  return Uint32Array.from({ length: TRAIN_ACC_SAMPLES }, () => rng.int(n));
}

async function main(): Promise<void> {
  const [specPath, backendName, ...rest] = process.argv.slice(2);
  if (backendName !== 'wasm' && backendName !== 'cpu') throw new Error('usage: tf-train SPEC wasm|cpu');
  const opt = (flag: string) => (rest.includes(flag) ? Number(rest[rest.indexOf(flag) + 1]) : undefined);
  const maxIterations = opt('--max-iterations');
  const evalSamples = opt('--eval-samples');
  const started = await startTf(backendName);
  const spec = parseJobSpec(JSON.parse(readFileSync(specPath, 'utf8')));
  const t = spec.train;
  if (t.update !== 'momentum' || !t.sampleBatches)
    throw new Error('the TF.js bench runs sampled momentum only');
  const net = Sequential.fromSpec(spec.model);
  const tfNet = buildTfNet(
    spec.model,
    initParams(net, t.seed, (n) => new Float32Array(n)),
    backendName === 'wasm',
  );
  const { train, val } = loadJobData(spec.data, t.seed);
  const nhwc = spec.model.input.length === 3;
  const optimizer = tf.train.momentum(t.learningRate, t.updateOptions.momentum);
  const n = train.count;
  const itersPerEpoch = Math.max(1, Math.floor(n / t.batchSize));
  const numIters = Math.min(maxIterations ?? Infinity, t.epochs * itersPerEpoch);
  const cut = (a: Uint32Array) => (evalSamples === undefined ? a : a.slice(0, evalSamples));
  const valIndices = cut(Uint32Array.from({ length: val.count }, (_, i) => i));
  const epochs: { cost: number; trainAcc: number; valAcc: number }[] = [];
  const stepMs: number[] = [];
  let epoch = 0;
  const t0 = process.hrtime.bigint();
  let stepStart = t0;
  for (let it = 0; it < numIters; it++) {
    const { x, labels } = batchOf(train, sampleIndices(t.seed, it, n, t.batchSize), nhwc);
    const y = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), train.numClasses);
    const costT = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, tfNet.forward(x)) as tf.Scalar,
      true,
      tfNet.vars,
    );
    const cost = (await costT!.data())[0];
    tf.dispose([x, y, costT!]);
    const last = it === numIters - 1;
    const epochEnd = (it + 1) % itersPerEpoch === 0 || last;
    if (it === 0 || epochEnd) {
      if (it > 0 && epochEnd) epoch++;
      const trainAcc = accuracy(tfNet, train, cut(trainSubset(t.seed, epoch, n)), nhwc);
      const valAcc = accuracy(tfNet, val, valIndices, nhwc);
      epochs.push({ cost, trainAcc, valAcc });
    }
    const now = process.hrtime.bigint();
    stepMs.push(Number(now - stepStart) / 1e6);
    stepStart = now;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    JSON.stringify({
      type: 'done',
      ...started,
      seconds,
      samplesPerSecond: (numIters * t.batchSize) / seconds,
      iterations: numIters,
      stepMs,
      epochs,
    }),
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
