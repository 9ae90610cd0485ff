/** Short renderings of user-supplied values for error messages (`got 0`, `got "fast"`, `got {"k":1}`). */

const MAX_LENGTH = 60;

/** Renders `value` the way a user would recognise it from their YAML/JSON, truncated to a short line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value); // cyclic objects and the like
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
