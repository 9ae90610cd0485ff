/**
 * Writes the pictures of a training run into a directory: loss.png (cost per iteration), accuracy.png
 * (train and validation accuracy per epoch) and weights.png (the first layer's weights as a grid). Each
 * file is written to a temporary name, flushed to disk and renamed into place, so a reader never sees a
 * half-written picture. Any caller with these numbers can use it: `gradpool train`, a distributed run, an export.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyPng, lossCurvePng } from './curves';
import type { WeightTensor } from './first-layer';
import { weightGridPng } from './weight-grid';

/** What the pictures show. */
export interface TrainingPictures {
  /** Cost of every iteration. */
  readonly lossHistory: readonly number[];
  /** Training accuracy at each epoch boundary. */
  readonly trainAcc: readonly number[];
  /** Validation accuracy at each epoch boundary. */
  readonly valAcc: readonly number[];
  /** The first layer's weight ([O, C, KH, KW] or [D_in, D_out]); see firstLayerWeight. */
  readonly firstLayer: WeightTensor;
  /** The per-sample input shape ([C, H, W], or [D]) that tells how an affine weight's rows form an image. */
  readonly inputShape: readonly number[];
}

/** Paths of the written files. */
export interface PicturePaths {
  readonly loss: string;
  readonly accuracy: string;
  readonly weights: string;
}

let temporaries = 0;

/** Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.${temporaries++}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes loss.png, accuracy.png and weights.png (each name after `prefix`, e.g. `model.` for files beside
 * model.json) into `dir` (created if missing); returns their paths.
 */
export function writeTrainingPictures(dir: string, p: TrainingPictures, prefix = ''): PicturePaths {
  mkdirSync(dir, { recursive: true });
  const paths: PicturePaths = {
    loss: join(dir, `${prefix}loss.png`),
    accuracy: join(dir, `${prefix}accuracy.png`),
    weights: join(dir, `${prefix}weights.png`),
  };
  writeFileAtomic(paths.loss, lossCurvePng(p.lossHistory));
  writeFileAtomic(paths.accuracy, accuracyPng(p.trainAcc, p.valAcc));
  writeFileAtomic(paths.weights, weightGridPng(p.firstLayer.weight, p.firstLayer.shape, p.inputShape));
  return paths;
}
