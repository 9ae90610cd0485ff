/** Small validators for untrusted input (job specs, flags); each error names the field and the fix. */
import { specError } from './errors';

/** A plain object (not null, not an array). */
export function asObject(raw: unknown, field: string): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw specError(field, `must be a mapping of keys to values, got ${describe(raw)}`);
  }
  return raw as Record<string, unknown>;
}

/** Rejects keys outside `allowed`, naming the closest fix (typos otherwise pass silently). */
export function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw specError(`${field}.${key}`, `unknown field; allowed fields are ${allowed.join(', ')}`);
    }
  }
}

/** A positive integer. */
export function positiveInt(raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw <= 0) {
    throw specError(field, `must be a positive integer, got ${describe(raw)}`);
  }
  return raw;
}

/** A non-negative integer. */
export function nonNegativeInt(raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) {
    throw specError(field, `must be a non-negative integer, got ${describe(raw)}`);
  }
  return raw;
}

/** A finite number > 0. */
export function positiveNumber(raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) {
    throw specError(field, `must be a finite number greater than 0, got ${describe(raw)}`);
  }
  return raw;
}

/** A finite number in [lo, hi] (or [lo, hi) when `hiOpen`). */
export function numberIn(raw: unknown, lo: number, hi: number, field: string, hiOpen = false): number {
  const ok = typeof raw === 'number' && Number.isFinite(raw) && raw >= lo && (hiOpen ? raw < hi : raw <= hi);
  if (!ok)
    throw specError(field, `must be a number in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${describe(raw)}`);
  return raw as number;
}

/** A boolean. */
export function bool(raw: unknown, field: string): boolean {
  if (typeof raw !== 'boolean') throw specError(field, `must be true or false, got ${describe(raw)}`);
  return raw;
}

/** A non-empty string. */
export function nonEmptyString(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length === 0)
    throw specError(field, `must be a non-empty string, got ${describe(raw)}`);
  return raw;
}

/** A short human description of a value, for error messages. */
export function describe(raw: unknown): string {
  if (raw === undefined) return 'nothing';
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (typeof raw === 'number') return Number.isNaN(raw) ? 'NaN' : String(raw);
  if (Array.isArray(raw)) return `a list of ${raw.length}`;
  if (raw === null) return 'null';
  return typeof raw === 'object' ? 'a mapping' : String(raw);
}
