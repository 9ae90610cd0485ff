/** `gradpool train` as a user runs it: the compiled CLI in a child process. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '../../src/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gradpool(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const SMALL = {
  name: 'small',
  data: { subset: 400, split: { val: 0.05, test: 0.05 } },
  model: {
    input: [784],
    layers: [{ affine: 16 }, 'relu', { dropout: 0.8 }, { affine: 10 }],
    loss: 'softmax',
    init: 'he',
  },
  train: { epochs: 2, batchSize: 40, learningRate: 0.05, update: 'momentum', reg: 1e-4, seed: 9, shards: 2 },
};

describe('gradpool train (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function specFile(spec: object, name = 'spec.json'): string {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(spec));
    return path;
  }

  it('prints the recipe lines and the closing line', async () => {
    const run = await gradpool(['train', specFile(SMALL)]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 4, run.stdout);
    for (const [i, line] of lines.slice(0, 3).entries()) {
      assert.match(
        line,
        new RegExp(
          `^Finished epoch ${i} / 2: cost \\d+\\.\\d{6}, train: [01]\\.\\d{6}, val [01]\\.\\d{6}, lr \\d\\.\\d{6}e-\\d\\d$`,
        ),
      );
    }
    assert.match(lines[3], /^finished optimization\. best validation accuracy: [01]\.\d{6}$/);
    assert.match(run.stderr, /"msg":"backend chosen","backend":"cpu-pool"/);
  });

  it('prints JSON events and the same fingerprint for the same spec and seed, twice', async () => {
    const path = specFile(SMALL);
    const [a, b] = [await gradpool(['train', path, '--json']), await gradpool(['train', path, '--json'])];
    assert.equal(a.code, 0, a.stderr);
    const events = a.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const epochs = events.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 3);
    for (const key of ['epoch', 'epochs', 'cost', 'trainAcc', 'valAcc', 'lr'])
      assert.equal(typeof epochs[0][key], 'number', key);
    const done = events[events.length - 1];
    assert.equal(done.type, 'done');
    assert.equal(done.status, 'finished');
    assert.match(done.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(done.paramCount, 784 * 16 + 16 + 16 * 10 + 10);
    assert.ok(done.seconds > 0 && done.samplesPerSecond > 0 && done.bestValAcc > 0);
    const doneB = JSON.parse(b.stdout.trim().split('\n').pop() as string);
    assert.equal(doneB.fingerprint, done.fingerprint);
  });

  it('gives another fingerprint for another seed', async () => {
    const a = await gradpool(['train', specFile(SMALL), '--json']);
    const other = { ...SMALL, train: { ...SMALL.train, seed: 10 } };
    const b = await gradpool(['train', specFile(other, 'other.json'), '--json']);
    const fp = (r: Run) => JSON.parse(r.stdout.trim().split('\n').pop() as string).fingerprint;
    assert.notEqual(fp(a), fp(b));
  });

  it('reads YAML specs too', async () => {
    const yaml = [
      'data: { subset: 100, split: { val: 0.02, test: 0.02 } }',
      'model: { input: [784], layers: [{ affine: 10 }], loss: svm, init: { gaussian: 0.001 } }',
      'train: { epochs: 1, batchSize: 50, learningRate: 0.01, seed: 2 }',
    ].join('\n');
    const path = join(dir, 'spec.yaml');
    writeFileSync(path, yaml);
    const run = await gradpool(['train', path, '--backend', 'reference']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /"backend":"reference"/);
  });

  it('rejects a bad spec before training, naming the field, with exit code 2', async () => {
    const bad = { ...SMALL, train: { ...SMALL.train, batchSize: -3 } };
    const run = await gradpool(['train', specFile(bad), '--json']);
    assert.equal(run.code, 2);
    const err = JSON.parse(run.stdout.trim());
    assert.deepEqual(err, {
      type: 'error',
      code: 'E_BAD_SPEC',
      message: 'train.batchSize: must be a positive integer, got -3',
    });
  });

  it('says which file is missing and which backends exist', async () => {
    const missing = await gradpool(['train', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read job spec .*nope\.yaml: ENOENT/);
    const badBackend = await gradpool(['train', specFile(SMALL), '--backend', 'tpu']);
    assert.equal(badBackend.code, 2);
    assert.match(badBackend.stderr, /--backend: unknown backend "tpu"; use one of auto, reference/);
    const badEnv = await gradpool(['train', specFile(SMALL)], { GRADPOOL_BACKEND: 'quantum' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /GRADPOOL_BACKEND: unknown backend "quantum"/);
  });

  it('exits with code 3 and a diagnosis when training diverges', async () => {
    const wild = { ...SMALL, train: { ...SMALL.train, learningRate: 1e6 } };
    const run = await gradpool(['train', specFile(wild)]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /stopped: loss exploded .*learning rate is probably too high/);
  });
});
