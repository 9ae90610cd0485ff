/**
 * Root hooks of the fault suite (test/faults/.mocharc.json requires this file): a scenario whose test
 * failed is recorded as failed, and after the run the table is printed and written as JSON.
 */
import { writeFileSync } from 'node:fs';
import { failOpen, markdown, summary } from './report';

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    const t = this.currentTest;
    if (t?.state === 'failed') failOpen(t.err?.message ?? 'failed');
    else failOpen('the test ended without recording its outcome');
  },
  afterAll(): void {
    const file = process.env.GP_FAULTS_REPORT ?? 'dist/fault-report.json';
    writeFileSync(file, JSON.stringify(summary(), null, 2) + '\n');
    process.stdout.write(`\nFault suite summary (also in ${file}):\n\n${markdown()}\n`);
  },
};
