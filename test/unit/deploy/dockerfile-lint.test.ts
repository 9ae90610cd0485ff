/**
 * deploy/Dockerfile through a Dockerfile linter: `dockerfile-utils` (the validator behind the Dockerfile
 * language server). hadolint cannot be installed here (no network but the npm registry and Debian), so this
 * is the linter CI runs; every rule it has is raised to an error.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { REPO } from './kustomize';

const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

function lint(text: string): string[] {
  return validate(text, STRICT).map((d) => `line ${String(d.range.start.line + 1)}: ${d.message}`);
}

describe('deploy/Dockerfile lint (dockerfile-utils, every rule an error)', () => {
  it('has no findings', () => {
    const findings = lint(fs.readFileSync(path.join(REPO, 'deploy/Dockerfile'), 'utf8'));
    assert.deepEqual(findings, []);
  });

  it('the linter does find the mistakes it is meant to catch', () => {
    const findings = lint(
      'FROM node:20\nMAINTAINER someone\nWORKDIR app\nEXPOSE http\nCMD ["a"]\nCMD [\'b\']\nRUNN true\n',
    );
    for (const want of [/MAINTAINER has been deprecated/, /Invalid containerPort/, /Unknown instruction/]) {
      assert.ok(
        findings.some((f) => want.test(f)),
        `expected ${String(want)} among ${findings.join('; ')}`,
      );
    }
    assert.ok(findings.length >= 5, findings.join('; '));
  });
});
