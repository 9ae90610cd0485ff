/**
 * Checks of the fields of coordinator messages that protobuf decoding does not make (non-empty ids, uint64
 * values that fit a JS number, index lists), and the TaskFailed report naming a rejected message.
 */
import { GradpoolError, type ErrorCode } from '../shared/errors';
import type { EvalSplitName } from '../train/step-executor';
import type { CoordinatorMessage__Output } from '../transport/generated/gradpool/v1/CoordinatorMessage';
import type { TaskFailed } from '../transport/generated/gradpool/v1/TaskFailed';

/** The TaskFailed that names `msg`. */
export function describeFailed(
  msg: CoordinatorMessage__Output,
  code: ErrorCode,
  message: string,
): TaskFailed {
  const base = { code, message };
  if (msg.params) {
    return { ...base, kind: 'params', jobId: msg.params.jobId, paramVersion: safe(msg.params.version) };
  }
  if (msg.task) {
    const t = msg.task;
    return {
      ...base,
      kind: 'task',
      jobId: t.jobId,
      step: safe(t.step),
      shard: t.shard,
      paramVersion: safe(t.paramVersion),
    };
  }
  if (msg.eval) {
    const e = msg.eval;
    return {
      ...base,
      kind: 'eval',
      jobId: e.jobId,
      evalId: safe(e.evalId),
      paramVersion: safe(e.paramVersion),
    };
  }
  return { ...base, kind: 'unknown' };
}

/** A uint64 field as a number the encoder accepts (0 when it is not one). */
function safe(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0;
}

/** A job id: a non-empty string. */
export function requireJobId(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `${where}: jobId must be a non-empty string, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** A non-negative safe integer (uint64 fields arrive as numbers; above 2^53 they lose precision). */
export function requireCount(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new GradpoolError('E_BAD_DATA', `${where} must be a non-negative integer below 2^53, got ${v}`);
  }
  return v;
}

/** Sample indices as a Uint32Array, each checked to be a uint32. */
export function requireIndices(v: unknown, where: string): Uint32Array {
  if (!Array.isArray(v)) throw new GradpoolError('E_BAD_DATA', `${where} must be a list of indices`);
  const out = new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0xffffffff) {
      throw new GradpoolError('E_BAD_DATA', `${where}[${i}] must be a uint32, got ${x}`);
    }
    out[i] = x;
  }
  return out;
}

/** The executor's name of an EvalSplit enum value (TRAIN, VAL or TEST). */
export function splitName(split: unknown): EvalSplitName {
  if (split === 'TRAIN') return 'train';
  if (split === 'VAL') return 'val';
  if (split === 'TEST') return 'test';
  throw new GradpoolError('E_BAD_DATA', `EvalTask.split must be TRAIN, VAL or TEST, got ${String(split)}`);
}
