/** `gradpool train` on IDX files the test writes: the file sources work end to end. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeIdx } from '../unit/data/formats/write-files';

const CLI = resolve(__dirname, '../../src/cli/main.js');

function gradpool(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `n` 4×4 images of two classes: class 0 bright on the left half, class 1 on the right. */
function twoClasses(n: number): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 16; p++) pixels[i * 16 + p] = p % 4 < 2 === (i % 2 === 0) ? 200 + (i % 50) : i % 30;
  }
  return { pixels, labels };
}

describe('gradpool train on file sources (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('trains in this process on idx: train files and an idx: test split, and exits 0', async () => {
    const at = (f: string): string => join(dir, f);
    const train = twoClasses(60);
    const test = twoClasses(10);
    writeIdx(at('train-img'), [60, 4, 4], train.pixels, true);
    writeIdx(at('train-lab'), [60], train.labels, true);
    writeIdx(at('test-img'), [10, 4, 4], test.pixels);
    writeIdx(at('test-lab'), [10], test.labels);
    const spec = {
      name: 'idx-files',
      data: {
        train: `idx:${at('train-img')},${at('train-lab')}`,
        test: `idx:${at('test-img')},${at('test-lab')}`,
        split: { val: 0.2 },
      },
      model: { input: [1, 4, 4], layers: [{ affine: 8 }, 'relu', { affine: 2 }], loss: 'softmax' },
      train: { epochs: 2, batchSize: 8, learningRate: 0.05, seed: 3 },
    };
    writeFileSync(at('spec.json'), JSON.stringify(spec));
    const run = await gradpool(['train', at('spec.json')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Finished epoch 2 \/ 2: cost/m);
    assert.match(run.stdout, /finished optimization\. best validation accuracy: [01]\.\d{6}$/m);
  });

  it('exits non-zero with an E_BAD_DATA message naming a truncated file', async () => {
    const at = (f: string): string => join(dir, f);
    const train = twoClasses(6);
    writeIdx(at('img'), [6, 4, 4], train.pixels.subarray(0, 90));
    writeIdx(at('lab'), [6], train.labels);
    const spec = {
      data: { train: `idx:${at('img')},${at('lab')}` },
      model: { input: [16], layers: [{ affine: 2 }], loss: 'softmax' },
      train: { epochs: 1, batchSize: 2, learningRate: 0.05 },
    };
    writeFileSync(at('spec.json'), JSON.stringify(spec));
    const run = await gradpool(['train', at('spec.json')]);
    assert.notEqual(run.code, 0);
    assert.ok(run.stderr.includes(at('img')), run.stderr);
    assert.match(run.stderr, /byte 16: expected 96 bytes/);
  });
});
