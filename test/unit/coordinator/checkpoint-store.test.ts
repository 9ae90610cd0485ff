import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore } from '../../../src/coordinator/checkpoint-store';
import type { TrainState } from '../../../src/train/train-state';

function state(iteration: number): TrainState {
  const f = (n: number, k: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * k + iteration) / 3));
  return {
    iteration,
    epoch: Math.floor(iteration / 3),
    params: [f(7, 1.1), f(3, 2.3)],
    bestParams: [f(7, 0.7), f(3, 0.9)],
    optimizerSlots: new Map([
      ['fc1.weight/velocity', f(7, 3.1)],
      ['fc1.bias/velocity', f(3, 4.7)],
    ]),
    optimizerT: iteration,
    bestValAcc: 0.123456789,
    lossHistory: [2.302585092994046, 1.1 + iteration, NaN],
    trainAccHistory: [0.1, 0.3333333333333333],
    valAccHistory: [0.2],
  };
}

function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
}

function assertSameState(got: TrainState | undefined, want: TrainState): void {
  assert.ok(got);
  assert.equal(got.iteration, want.iteration);
  assert.equal(got.epoch, want.epoch);
  assert.equal(got.optimizerT, want.optimizerT);
  assert.equal(got.bestValAcc, want.bestValAcc);
  assert.deepEqual(
    got.params.map((p) => bits(p as Float32Array)),
    want.params.map((p) => bits(p as Float32Array)),
  );
  assert.deepEqual(
    got.bestParams.map((p) => bits(p as Float32Array)),
    want.bestParams.map((p) => bits(p as Float32Array)),
  );
  assert.deepEqual([...got.optimizerSlots.keys()], [...want.optimizerSlots.keys()]);
  for (const [k, v] of want.optimizerSlots)
    assert.deepEqual(bits(got.optimizerSlots.get(k) as Float32Array), bits(v as Float32Array));
  assert.deepEqual(got.lossHistory, want.lossHistory);
  assert.deepEqual(got.trainAccHistory, want.trainAccHistory);
  assert.deepEqual(got.valAccHistory, want.valAccHistory);
}

describe('CheckpointStore', () => {
  let dir: string;
  let logs: { level: string; msg: string }[];
  let store: CheckpointStore;
  const ckptDir = () => path.join(dir, 'checkpoints', 'j-000001');
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-ckpt-'));
    logs = [];
    store = new CheckpointStore(dir, (level, msg) => logs.push({ level, msg }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips a TrainState bit-identically', async () => {
    await store.save('j-000001', state(5));
    assertSameState(await store.load('j-000001'), state(5));
  });

  it('keeps only the newest two checkpoints', async () => {
    for (const it of [1, 2, 10, 11]) await store.save('j-000001', state(it));
    assert.deepEqual(fs.readdirSync(ckptDir()).sort(), ['ckpt-10.bin', 'ckpt-11.bin']);
    assertSameState(await store.load('j-000001'), state(11));
  });

  it('falls back to the previous checkpoint when the newest is truncated', async () => {
    await store.save('j-000001', state(3));
    await store.save('j-000001', state(6));
    const newest = path.join(ckptDir(), 'ckpt-6.bin');
    fs.truncateSync(newest, fs.statSync(newest).size - 9);
    assertSameState(await store.load('j-000001'), state(3));
    assert.ok(logs.some((l) => l.level === 'warn' && /previous/.test(l.msg)));
  });

  it('falls back to the previous checkpoint when a byte of the newest is flipped', async () => {
    await store.save('j-000001', state(3));
    await store.save('j-000001', state(6));
    const newest = path.join(ckptDir(), 'ckpt-6.bin');
    const b = fs.readFileSync(newest);
    b[b.length - 20] ^= 0x01;
    fs.writeFileSync(newest, b);
    assertSameState(await store.load('j-000001'), state(3));
  });

  it('starts fresh, saying so, when every checkpoint is corrupt', async () => {
    await store.save('j-000001', state(3));
    await store.save('j-000001', state(6));
    fs.writeFileSync(path.join(ckptDir(), 'ckpt-6.bin'), 'GPCK');
    fs.truncateSync(path.join(ckptDir(), 'ckpt-3.bin'), 100);
    assert.equal(await store.load('j-000001'), undefined);
    assert.ok(logs.some((l) => l.level === 'error' && /starts from scratch/.test(l.msg)));
  });

  it('returns undefined for a job without checkpoints', async () => {
    assert.equal(await store.load('j-000009'), undefined);
  });

  it('saves and loads the final and best parameters of a model', async () => {
    const s = state(4);
    const model = { finalParams: s.params as Float32Array[], bestParams: s.bestParams as Float32Array[] };
    await store.saveModel('j-000001', model);
    const got = await store.loadModel('j-000001');
    assert.ok(got);
    assert.deepEqual(got.finalParams.map(bits), model.finalParams.map(bits));
    assert.deepEqual(got.bestParams.map(bits), model.bestParams.map(bits));
    assert.equal(await store.loadModel('j-000002'), undefined);
  });
});
