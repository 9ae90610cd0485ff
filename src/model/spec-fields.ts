/**
 * Field readers shared by the model-spec and regulariser parsers. Each one throws E_BAD_SPEC naming the
 * full field path, the bad value and the fix.
 */
import { specError } from '../shared/errors';

/** A plain (non-array, non-null) object from YAML/JSON. */
export type RawObject = Record<string, unknown>;

/** Shows a user value in an error message (strings quoted, objects as JSON). */
export function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** True for a plain object (not null, not an array). */
export function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Requires a plain object; `hint` tells the user what to write instead. */
export function expectObject(value: unknown, field: string, hint: string): RawObject {
  if (!isObject(value)) throw specError(field, `must be an object, got ${show(value)}; ${hint}`);
  return value;
}

/** Rejects keys outside `allowed`, naming the first unknown one. */
export function expectKeys(obj: RawObject, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw specError(field, `unknown field "${key}"; use ${allowed.join(', ')}`);
    }
  }
}

/** A positive integer; `example` shows a valid setting, e.g. `filters: 8`. */
export function positiveInt(value: unknown, field: string, example: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw specError(field, `must be a positive integer, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}

/** A non-negative integer (e.g. padding). */
export function nonNegativeInt(value: unknown, field: string, example: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw specError(field, `must be a non-negative integer, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}

/** A finite number ≥ 0 (regularisation strengths, max-norm bounds). */
export function nonNegativeNumber(value: unknown, field: string, example: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw specError(field, `must be a finite number ≥ 0, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}

/** A finite number > 0 (standard deviations). */
export function positiveNumber(value: unknown, field: string, example: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw specError(field, `must be a finite number > 0, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}

/** Any finite number. */
export function finiteNumber(value: unknown, field: string, example: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw specError(field, `must be a finite number, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}

/** A boolean. */
export function booleanField(value: unknown, field: string, example: string): boolean {
  if (typeof value !== 'boolean') {
    throw specError(field, `must be true or false, got ${show(value)}; e.g. ${example}`);
  }
  return value;
}
