/**
 * `gradpool check` (and `gradpool train --pictures`) as a user runs them: the compiled CLI in a child
 * process, on the embedded MNIST digits.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';

const CLI = resolve(__dirname, '../../src/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gradpool(args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The recipe's two-layer net, sane: He init, momentum at 0.05. */
const SANE = {
  name: 'sane',
  data: { subset: 500 },
  model: { input: [784], layers: [{ affine: 50 }, 'relu', { affine: 10 }], loss: 'softmax', init: 'he' },
  train: { learningRate: 0.05, update: 'momentum', reg: 1e-4, seed: 7, batchSize: 50 },
};

/** The lines of stdout. */
function lines(run: Run): string[] {
  return run.stdout.trim().split('\n');
}

describe('gradpool check (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-check-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function specFile(spec: object): string {
    const path = join(dir, 'spec.json');
    writeFileSync(path, JSON.stringify(spec));
    return path;
  }

  it('passes a sane spec: five PASS lines, a closing line, exit 0', async () => {
    const run = await gradpool(['check', specFile(SANE)]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const out = lines(run);
    assert.equal(out.length, 6, run.stdout);
    assert.match(out[0], /^PASS initial loss \d\.\d{6} ≈ ln\(10\) = 2\.302585 /);
    assert.match(out[1], /^PASS loss rises with regularisation: /);
    assert.match(out[2], /^PASS overfit 20 samples: train accuracy 1\.000 after \d+ epochs/);
    assert.match(out[3], /^PASS gradient check: max relative error \S+ < 1e-5 \(worst \w+\.\w+\[\d+\]/);
    assert.match(out[4], /^PASS update\/weight ratios fc1\.weight \S+, fc2\.weight \S+ in \[1e-5, 1e-1\]/);
    assert.equal(out[5], 'all 5 checks passed');
  });

  it('fails a broken init scale ({gaussian: 10}): the init is too large, exit 4', async () => {
    const run = await gradpool([
      'check',
      specFile({ ...SANE, model: { ...SANE.model, init: { gaussian: 10 } } }),
    ]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^FAIL initial loss \d+\.\d+ is far above ln\(10\) = 2\.302585: the init is too large/m,
    );
    assert.match(run.stdout, /checks? failed: .*initial-loss/);
  });

  it('fails a learning rate of 1e6: the loss explodes, the learning rate is too high, exit 4', async () => {
    const run = await gradpool(['check', specFile({ ...SANE, train: { ...SANE.train, learningRate: 1e6 } })]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^FAIL learning rate too high \(momentum, lr 1e6\): the loss explodes, loss \S+ → \S+ over \d steps/m,
    );
    assert.match(run.stdout, /1 of 5 checks failed: update-ratio$/m);
  });

  it('fails a model too small to overfit (784-1-10): it could not overfit, exit 4', async () => {
    const tiny = { ...SANE, model: { ...SANE.model, layers: [{ affine: 1 }, 'relu', { affine: 10 }] } };
    const run = await gradpool(['check', specFile(tiny)]);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(run.stdout, /^FAIL could not overfit 20 samples: .*the model is probably too small/m);
    assert.match(run.stdout, /1 of 5 checks failed: overfit$/m);
  });

  it('prints one JSON object per check and a verdict with --json, and takes --overfit-samples', async () => {
    const run = await gradpool(['check', specFile(SANE), '--json', '--overfit-samples', '10']);
    assert.equal(run.code, 0, run.stderr);
    const events = lines(run).map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => e.type),
      ['check', 'check', 'check', 'check', 'check', 'verdict'],
    );
    assert.deepEqual(
      events.slice(0, 5).map((e) => e.name),
      ['initial-loss', 'regularization', 'overfit', 'gradient', 'update-ratio'],
    );
    for (const e of events.slice(0, 5)) {
      assert.equal(e.pass, true);
      assert.equal(typeof e.value, 'number');
      assert.equal(typeof e.expected, 'string');
      assert.equal(typeof e.message, 'string');
    }
    assert.match(events[2].message, /^overfit 10 samples/);
    assert.equal(events[5].pass, true);
    assert.deepEqual(events[5].failed, []);
  });

  it('exits 2 for a bad spec or a bad flag', async () => {
    const bad = await gradpool(['check', specFile({ ...SANE, train: { ...SANE.train, batchSize: -3 } })]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /train\.batchSize/);
    const flag = await gradpool(['check', specFile(SANE), '--overfit-samples', '0']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--overfit-samples must be an integer/);
    const missing = await gradpool(['check', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
  });
});

describe('gradpool train --pictures (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-pictures-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes loss.png, accuracy.png and weights.png at the end and prints their paths on stderr', async () => {
    const spec = join(dir, 'spec.json');
    const conv = {
      ...SANE,
      model: {
        input: [1, 28, 28],
        layers: [{ conv: { filters: 6, size: 5, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
        loss: 'softmax',
        init: 'he',
      },
      train: { ...SANE.train, epochs: 2, learningRate: 0.02 },
    };
    writeFileSync(spec, JSON.stringify(conv));
    const out = join(dir, 'pics');
    const run = await gradpool(['train', spec, '--pictures', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['accuracy.png', 'loss.png', 'weights.png']);
    assert.ok(
      run.stderr.includes(
        `pictures: ${join(out, 'loss.png')} ${join(out, 'accuracy.png')} ${join(out, 'weights.png')}`,
      ),
      run.stderr,
    );
    const decode = (name: string) => PNG.sync.read(readFileSync(join(out, name)));
    assert.equal(decode('loss.png').width, 640);
    assert.equal(decode('accuracy.png').height, 400);
    // 6 filters of 5 × 5, ×7 (35 pixels), in 3 columns and 2 rows with 1-pixel gaps.
    const weights = decode('weights.png');
    assert.deepEqual([weights.width, weights.height], [3 * 35 + 4, 2 * 35 + 3]);
  });

  // --pictures with --workers N (pictures from the coordinator's history) is covered by test/e2e/pictures.test.ts.
});
