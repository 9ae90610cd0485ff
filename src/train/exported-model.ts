/**
 * An exported model (`gradpool export <job> -o model.json`) used outside the pool: the file holds the job
 * spec, the best parameters and the preprocessing statistics fitted on the job's training split, so raw
 * inputs (as the data source loads them: pixels scaled to [0, 1]) are classified exactly as the
 * coordinator's Evaluate classifies its splits: the stored statistics applied (never refitted), then the
 * centre crop of `data.augment`, then the network in test mode.
 *
 * File (JSON): `{format: "gradpool-model-v1", jobId, spec, fingerprint, params: [{name, shape, data}],
 * preprocess}`; `data` is base64 of float32 little-endian values; `preprocess` is null or the statistics as
 * src/data/preprocess-codec.ts encodes them (float64 arrays as base64, bit-exact).
 */
import { readFileSync } from 'node:fs';
import { ReferenceRunner } from '../backend/reference';
import type { KernelRunner } from '../../kernels/runner';
import { augmentedShape, centerCrop, isIdentity } from '../data/augment';
import { applyPreprocess, outputShape, type PreprocessStats } from '../data/preprocess';
import { deserializeStats } from '../data/preprocess-codec';
import { Sequential } from '../model/sequential';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec, type JobSpec } from './job-spec';

/** The `format` of an exported model file. */
export const MODEL_FORMAT = 'gradpool-model-v1';

/** Samples per forward pass when predicting. */
const PREDICT_CHUNK = 500;

/** One parameter of an export, as the coordinator sends it. */
export interface ExportParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The exported file's JSON document. */
export interface ExportDocument {
  readonly format: string;
  readonly jobId: string;
  readonly spec: unknown;
  readonly fingerprint: string;
  readonly params: { name: string; shape: number[]; data: string }[];
  /** The fitted preprocessing statistics (preprocess-codec JSON), or null when the job has none. */
  readonly preprocess: unknown;
}

/** The JSON document of an export: `preprocess` is preprocess-codec bytes, or null. */
export function exportDocument(
  jobId: string,
  spec: unknown,
  fingerprint: string,
  params: readonly ExportParam[],
  preprocess: Uint8Array | null,
): ExportDocument {
  return {
    format: MODEL_FORMAT,
    jobId,
    spec,
    fingerprint,
    params: params.map((p) => ({
      name: p.name,
      shape: [...p.shape],
      data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('base64'),
    })),
    preprocess: preprocess ? (JSON.parse(Buffer.from(preprocess).toString('utf8')) as unknown) : null,
  };
}

/** A model loaded from an export, ready to classify raw inputs. */
export class ExportedModel {
  private constructor(
    readonly jobId: string,
    readonly spec: JobSpec,
    readonly net: Sequential,
    /** The parameters in model order (float64 copies of the exported float32 values). */
    readonly params: readonly Float64Array[],
    /** The stored statistics; null when the job preprocesses nothing. */
    readonly preprocess: PreprocessStats | null,
  ) {}

  /** Reads and checks an export file; throws E_BAD_DATA naming the file and what is wrong. */
  static load(file: string): ExportedModel {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new GradpoolError('E_BAD_DATA', `${file}: not a gradpool model export (${(e as Error).message})`);
    }
    return ExportedModel.fromDocument(doc, file);
  }

  /** Checks an export document (`where` names it in errors). */
  static fromDocument(raw: unknown, where = 'model'): ExportedModel {
    const bad = (what: string) => new GradpoolError('E_BAD_DATA', `${where}: ${what}`);
    const doc = raw as Partial<ExportDocument> | null;
    if (doc === null || typeof doc !== 'object' || doc.format !== MODEL_FORMAT)
      throw bad(`format must be ${MODEL_FORMAT}`);
    const spec = parseJobSpec(doc.spec);
    const net = Sequential.fromSpec(spec.model);
    const params = doc.params ?? [];
    if (!Array.isArray(params) || params.length !== net.params.length)
      throw bad(
        `expected ${net.params.length} parameters, found ${Array.isArray(params) ? params.length : 'none'}`,
      );
    const values = net.params.map((info, i) => {
      const p = params[i];
      if (p.name !== info.name || p.shape.join(',') !== info.shape.join(','))
        throw bad(`params[${i}] is ${p.name} [${p.shape}], expected ${info.name} [${info.shape}]`);
      const bytes = Buffer.from(p.data, 'base64');
      const size = info.shape.reduce((a, b) => a * b, 1);
      if (bytes.length !== size * 4)
        throw bad(`params[${i}] (${p.name}) has ${bytes.length} bytes, expected ${size * 4}`);
      const f32 = new Float32Array(size);
      for (let j = 0; j < size; j++) f32[j] = bytes.readFloatLE(j * 4);
      return Float64Array.from(f32);
    });
    const p = spec.data.preprocess;
    const wanted = p.mean !== 'none' || p.std || p.pca > 0 || p.whiten;
    let preprocess: PreprocessStats | null = null;
    if (doc.preprocess !== null && doc.preprocess !== undefined) {
      preprocess = deserializeStats(Buffer.from(JSON.stringify(doc.preprocess), 'utf8'));
    } else if (wanted) {
      throw bad(
        'the spec has data.preprocess but the export has no preprocessing statistics; export the job again with this version of gradpool',
      );
    }
    return new ExportedModel(doc.jobId ?? '', spec, net, values, preprocess);
  }

  /** The shape of one raw input sample (what the data source yields, before preprocessing). */
  get rawSampleShape(): readonly number[] {
    return this.preprocess ? this.preprocess.sampleShape : this.net.inputShape;
  }

  /**
   * Raw samples as the network takes them: the stored statistics applied, then the centre crop. Samples of
   * another shape with the same number of values (a CSV's flat rows) are viewed in the fitted shape.
   */
  prepare(x: Float32Array, count: number, sampleShape: readonly number[]): Float32Array | Float64Array {
    let rows: Float32Array = x;
    let shape = sampleShape;
    if (this.preprocess) {
      const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
      if (size(sampleShape) === size(this.preprocess.sampleShape)) shape = this.preprocess.sampleShape;
      else {
        throw new GradpoolError(
          'E_BAD_DATA',
          `inputs are [${sampleShape}] but the model's preprocessing was fitted on [${this.preprocess.sampleShape}]`,
        );
      }
      rows = applyPreprocess(this.preprocess, x, count);
      shape = outputShape(this.preprocess, shape);
    }
    const augment = this.spec.data.augment;
    if (isIdentity(augment)) return rows;
    const out = new Float32Array(count * augmentedShape(augment, shape).reduce((a, b) => a * b, 1));
    return count > 0 ? centerCrop(augment, rows, shape, out) : out;
  }

  /**
   * The predicted class of each of `count` raw samples of shape `sampleShape` (row-major in `x`), computed
   * by `runner` (default: the float64 reference runner, as `--backend reference` workers compute).
   */
  predict(x: Float32Array, count: number, sampleShape: readonly number[], runner?: KernelRunner): Int32Array {
    const input = this.prepare(x, count, sampleShape);
    const size = this.net.inputShape.reduce((a, b) => a * b, 1);
    if (input.length !== count * size) {
      throw new GradpoolError(
        'E_BAD_DATA',
        `inputs of shape [${sampleShape}] give ${input.length / Math.max(1, count)} values per sample after preprocessing; the model takes [${this.net.inputShape}]`,
      );
    }
    const r = runner ?? new ReferenceRunner();
    const classes = new Int32Array(count);
    const k = this.net.numClasses;
    for (let lo = 0; lo < count; lo += PREDICT_CHUNK) {
      const n = Math.min(PREDICT_CHUNK, count - lo);
      const chunk = Float64Array.from(input.subarray(lo * size, (lo + n) * size));
      const scores = this.net.scores({ runner: r, training: false }, this.params, {
        shape: [n, ...this.net.inputShape],
        data: chunk,
      }).data;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
        classes[lo + i] = best;
      }
    }
    return classes;
  }
}

/** The share of `predicted` equal to `labels` (0 for none). */
export function accuracyOf(predicted: Int32Array, labels: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return predicted.length > 0 ? correct / predicted.length : 0;
}
