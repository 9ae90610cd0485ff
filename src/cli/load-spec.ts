/** Reads a job spec file (YAML or JSON) and validates it. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec, type JobSpec } from '../train/job-spec';

/** The decoded (not yet validated) contents of a spec file; errors name the file. */
export function readSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `cannot read job spec ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    return parseYaml(text);
  } catch (e) {
    throw new GradpoolError(
      'E_BAD_SPEC',
      `${path} is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** Reads and validates the job spec at `path`. */
export function loadSpecFile(path: string): JobSpec {
  return parseJobSpec(readSpecFile(path));
}
