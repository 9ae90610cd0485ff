/**
 * Checkpoints of a job's TrainState under <dataDir>/checkpoints/<jobId>/ckpt-<iteration>.bin, the newest two
 * kept. File layout: "GPCK" | SHA-256 of the payload (32 bytes) | payload, where payload = u32 LE header
 * length | header JSON | float32 LE blocks (params, bestParams, optimizer slots, in header order) | float64 LE
 * histories (loss, train accuracy, validation accuracy). Parameters travel as float32 because the remote
 * executor computes in float32, so the round trip is bit-identical. Each file is written atomically and
 * verified on load; a corrupt newest file falls back to the previous one.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Data } from '../../kernels/spec';
import { GradpoolError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import type { TrainState } from '../train/train-state';
import { writeFileAtomic } from './atomic-file';

const MAGIC = Buffer.from('GPCK', 'ascii');
const HASH_BYTES = 32;
const KEEP = 2;
const CKPT_PATTERN = /^ckpt-(\d+)\.bin$/;
/** Temp files of writeFileAtomic in a job directory: .<name>.<pid>.<n>.tmp. */
const STALE_TEMP = /^\.(?:ckpt-\d+|model)\.bin\.(\d+)\.\d+\.tmp$/;

interface Header {
  readonly iteration: number;
  readonly epoch: number;
  readonly optimizerT: number;
  readonly bestValAcc: number;
  readonly params: number[];
  readonly bestParams: number[];
  readonly slots: [string, number][];
  readonly histories: [number, number, number];
}

/** The final and best parameters of a finished job, for ExportModel. */
export interface SavedModel {
  readonly finalParams: Float32Array[];
  readonly bestParams: Float32Array[];
}

/** Reads and writes checkpoints of jobs. */
export class CheckpointStore {
  constructor(
    private readonly dataDir: string,
    private readonly log: Logger = silentLogger,
  ) {}

  /** Writes `state` as ckpt-<iteration>.bin and removes all but the newest two checkpoints. */
  async save(jobId: string, state: TrainState): Promise<void> {
    const dir = await this.jobDir(jobId);
    await writeFileAtomic(path.join(dir, `ckpt-${state.iteration}.bin`), encodeState(state));
    const files = await this.checkpointFiles(dir);
    for (const f of files.slice(KEEP)) await fs.promises.rm(path.join(dir, f.name), { force: true });
    await this.removeStaleTemps(dir);
  }

  /** Removes temp files a killed coordinator left mid-write (another pid's; this one's may be in flight). */
  private async removeStaleTemps(dir: string): Promise<void> {
    for (const name of await fs.promises.readdir(dir)) {
      const m = STALE_TEMP.exec(name);
      if (m && Number(m[1]) !== process.pid) {
        this.log('info', 'temp file of an interrupted write removed', { file: path.join(dir, name) });
        await fs.promises.rm(path.join(dir, name), { force: true });
      }
    }
  }

  /**
   * The newest checkpoint whose checksum verifies, as a TrainState in float32; undefined (fresh start) when
   * there is none. Corrupt files are logged and skipped.
   */
  async load(jobId: string): Promise<TrainState | undefined> {
    const dir = path.join(this.dataDir, 'checkpoints', jobId);
    if (!fs.existsSync(dir)) return undefined;
    const files = await this.checkpointFiles(dir);
    for (const f of files) {
      const file = path.join(dir, f.name);
      try {
        const state = decodeState(await fs.promises.readFile(file));
        this.log('info', 'checkpoint loaded', { jobId, file, iteration: state.iteration });
        return state;
      } catch (e) {
        this.log('warn', 'checkpoint unusable, trying the previous one', { jobId, file, error: String(e) });
      }
    }
    if (files.length > 0) {
      this.log('error', 'no valid checkpoint; the job starts from scratch', { jobId, tried: files.length });
    }
    return undefined;
  }

  /** Saves the final and best parameters of a finished job. */
  async saveModel(jobId: string, model: SavedModel): Promise<void> {
    const dir = await this.jobDir(jobId);
    const header = {
      final: model.finalParams.map((p) => p.length),
      best: model.bestParams.map((p) => p.length),
    };
    await writeFileAtomic(
      path.join(dir, 'model.bin'),
      seal(header, [...model.finalParams, ...model.bestParams], []),
    );
  }

  /** The saved model of a job, or undefined when none was saved. Throws E_INTERNAL when it is corrupt. */
  async loadModel(jobId: string): Promise<SavedModel | undefined> {
    const file = path.join(this.dataDir, 'checkpoints', jobId, 'model.bin');
    if (!fs.existsSync(file)) return undefined;
    const { header, f32 } = unseal(await fs.promises.readFile(file));
    const h = header as { final: number[]; best: number[] };
    const blocks = readF32Blocks(f32, [...h.final, ...h.best]);
    return { finalParams: blocks.slice(0, h.final.length), bestParams: blocks.slice(h.final.length) };
  }

  /**
   * Stores the job's fitted preprocessing statistics (preprocess-codec.ts bytes) beside its model, as
   * preprocess.json; written when the job starts, before its first update.
   */
  async savePreprocess(jobId: string, stats: Uint8Array): Promise<void> {
    await writeFileAtomic(path.join(await this.jobDir(jobId), 'preprocess.json'), stats);
  }

  /** The job's stored preprocessing statistics (preprocess-codec.ts bytes), or undefined when none. */
  async loadPreprocess(jobId: string): Promise<Buffer | undefined> {
    const file = path.join(this.dataDir, 'checkpoints', jobId, 'preprocess.json');
    return fs.existsSync(file) ? fs.promises.readFile(file) : undefined;
  }

  private async jobDir(jobId: string): Promise<string> {
    const dir = path.join(this.dataDir, 'checkpoints', jobId);
    await fs.promises.mkdir(dir, { recursive: true });
    return dir;
  }

  /** Checkpoint files of a directory, newest (highest iteration) first. */
  private async checkpointFiles(dir: string): Promise<{ name: string; iteration: number }[]> {
    const out: { name: string; iteration: number }[] = [];
    for (const name of await fs.promises.readdir(dir)) {
      const m = CKPT_PATTERN.exec(name);
      if (m) out.push({ name, iteration: Number(m[1]) });
    }
    return out.sort((a, b) => b.iteration - a.iteration);
  }
}

/** The checkpoint bytes of a TrainState. */
export function encodeState(state: TrainState): Buffer {
  const slots = [...state.optimizerSlots.entries()];
  const header: Header = {
    iteration: state.iteration,
    epoch: state.epoch,
    optimizerT: state.optimizerT,
    bestValAcc: state.bestValAcc,
    params: state.params.map((p) => p.length),
    bestParams: state.bestParams.map((p) => p.length),
    slots: slots.map(([name, d]) => [name, d.length]),
    histories: [state.lossHistory.length, state.trainAccHistory.length, state.valAccHistory.length],
  };
  const f32 = [...state.params, ...state.bestParams, ...slots.map(([, d]) => d)];
  const f64 = [state.lossHistory, state.trainAccHistory, state.valAccHistory];
  return seal(header, f32, f64);
}

/** The TrainState of checkpoint bytes (float32 arrays); throws when the checksum or layout is wrong. */
export function decodeState(bytes: Buffer): TrainState {
  const { header, f32, f64 } = unseal(bytes);
  const h = header as Header;
  const lengths = [...h.params, ...h.bestParams, ...h.slots.map(([, n]) => n)];
  const blocks = readF32Blocks(f32, lengths);
  const hist = readF64Blocks(f64, h.histories);
  const np = h.params.length;
  const nb = h.bestParams.length;
  return {
    iteration: h.iteration,
    epoch: h.epoch,
    params: blocks.slice(0, np),
    bestParams: blocks.slice(np, np + nb),
    optimizerSlots: new Map(h.slots.map(([name], i) => [name, blocks[np + nb + i]])),
    optimizerT: h.optimizerT,
    bestValAcc: h.bestValAcc,
    lossHistory: hist[0],
    trainAccHistory: hist[1],
    valAccHistory: hist[2],
  };
}

/** magic | sha256(payload) | payload with payload = u32 headerLen | header | f32 blocks | f64 blocks. */
function seal(header: object, f32: readonly Data[], f64: readonly (readonly number[])[]): Buffer {
  const headerBytes = Buffer.from(JSON.stringify({ ...header, f64: f64.map((a) => a.length) }), 'utf8');
  const n32 = f32.reduce((a, d) => a + d.length, 0);
  const n64 = f64.reduce((a, d) => a + d.length, 0);
  const payload = Buffer.alloc(4 + headerBytes.length + 4 * n32 + 8 * n64);
  payload.writeUInt32LE(headerBytes.length, 0);
  headerBytes.copy(payload, 4);
  let off = 4 + headerBytes.length;
  for (const d of f32) for (let i = 0; i < d.length; i++, off += 4) payload.writeFloatLE(d[i], off);
  for (const d of f64) for (let i = 0; i < d.length; i++, off += 8) payload.writeDoubleLE(d[i], off);
  return Buffer.concat([MAGIC, createHash('sha256').update(payload).digest(), payload]);
}

function unseal(bytes: Buffer): { header: unknown; f32: Buffer; f64: Buffer } {
  const bad = (why: string) => new GradpoolError('E_BAD_DATA', `checkpoint ${why}`);
  if (bytes.length < MAGIC.length + HASH_BYTES + 4 || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw bad(`is truncated or not a checkpoint (${bytes.length} bytes)`);
  }
  const payload = bytes.subarray(MAGIC.length + HASH_BYTES);
  const want = bytes.subarray(MAGIC.length, MAGIC.length + HASH_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(want)) throw bad('checksum mismatch');
  const headerLen = payload.readUInt32LE(0);
  if (4 + headerLen > payload.length) throw bad('header overruns the file');
  const header = JSON.parse(payload.subarray(4, 4 + headerLen).toString('utf8')) as Record<
    string,
    unknown
  > & {
    f64: number[];
  };
  const n64 = header.f64.reduce((a, n) => a + n, 0);
  const rest = payload.subarray(4 + headerLen);
  const split = rest.length - 8 * n64;
  if (split < 0 || split % 4 !== 0) throw bad('has the wrong length for its header');
  return { header, f32: rest.subarray(0, split), f64: rest.subarray(split) };
}

function readF32Blocks(buf: Buffer, lengths: readonly number[]): Float32Array[] {
  const total = lengths.reduce((a, n) => a + n, 0);
  if (total * 4 !== buf.length) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `checkpoint holds ${buf.length / 4} float32 values, header says ${total}`,
    );
  }
  let off = 0;
  return lengths.map((n) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) a[i] = buf.readFloatLE(off);
    return a;
  });
}

function readF64Blocks(buf: Buffer, lengths: readonly number[]): number[][] {
  let off = 0;
  return lengths.map((n) => {
    const a: number[] = [];
    for (let i = 0; i < n; i++, off += 8) a.push(buf.readDoubleLE(off));
    return a;
  });
}
