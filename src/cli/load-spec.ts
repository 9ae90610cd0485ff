/** Reads a job spec file (YAML or JSON) and validates it. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec, type JobSpec } from '../train/job-spec';

/** Reads and validates the job spec at `path`; errors name the file, and the field for spec errors. */
export function loadSpecFile(path: string): JobSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `cannot read job spec ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    raw = parseYaml(text);
  } catch (e) {
    throw new GradpoolError(
      'E_BAD_SPEC',
      `${path} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  return parseJobSpec(raw);
}
