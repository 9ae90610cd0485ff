/** Element-wise closeness for the optim tests (not itself a test file). */
import { strict as assert } from 'node:assert';

/** Asserts |actual[i] − expected[i]| ≤ tolerance for every i, and equal lengths. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  tolerance: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    assert.ok(
      diff <= tolerance,
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff} > ${tolerance})`,
    );
  }
}

/** The two storage types every rule must support, with a tolerance that fits each precision. */
export const STORAGE = [
  { label: 'Float64Array', make: (values: readonly number[]) => Float64Array.from(values), tolerance: 1e-12 },
  { label: 'Float32Array', make: (values: readonly number[]) => Float32Array.from(values), tolerance: 1e-6 },
] as const;
