import { strict as assert } from 'node:assert';
import { GradpoolError } from '../../../src/shared/errors';
import { parseJobSpec } from '../../../src/train/job-spec';

/** A valid spec, deep-copied so each test can break one field. */
function valid(): Record<string, any> {
  return {
    name: 'ok',
    data: { train: 'builtin:mnist', split: { val: 0.1, test: 0.1 } },
    model: {
      input: [784],
      layers: [{ affine: 50 }, 'relu', { affine: 10 }],
      loss: 'softmax',
      init: { gaussian: 0.0001 },
    },
    train: { epochs: 2, batchSize: 100, learningRate: 1e-3, update: 'momentum', reg: 1e-4, seed: 3 },
  };
}

function rejects(mutate: (s: Record<string, any>) => void, field: string, fix: RegExp): void {
  const spec = valid();
  mutate(spec);
  assert.throws(
    () => parseJobSpec(spec),
    (e: unknown) => {
      assert.ok(e instanceof GradpoolError, `expected a GradpoolError, got ${e}`);
      assert.equal(e.code, 'E_BAD_SPEC');
      assert.ok(e.message.includes(field), `message "${e.message}" should name ${field}`);
      assert.match(e.message, fix);
      return true;
    },
  );
}

describe('job spec validation', () => {
  it('accepts a valid spec and fills the documented defaults', () => {
    const s = parseJobSpec(valid());
    assert.equal(s.train.epochs, 2);
    assert.equal(s.train.sampleBatches, true);
    assert.deepEqual(s.train.schedule, { type: 'decay', factor: 0.95 });
    assert.equal(s.train.updateOptions.momentum, 0.9);
    assert.equal(s.train.reg.l2, 1e-4);
    assert.equal(s.train.shards, 1);
    assert.equal(s.data.subset, 0);
  });

  it('rejects an unknown layer type, naming the layer and the valid types', () => {
    rejects((s) => (s.model.layers[0] = { convolution: { filters: 3 } }), 'model.layers[0]', /conv/);
  });

  it('rejects a zero or negative batch size', () => {
    rejects((s) => (s.train.batchSize = 0), 'train.batchSize', /positive integer, got 0/);
    rejects((s) => (s.train.batchSize = -3), 'train.batchSize', /positive integer, got -3/);
  });

  it('rejects a learning rate that is NaN, zero or negative', () => {
    rejects((s) => (s.train.learningRate = NaN), 'train.learningRate', /greater than 0, got NaN/);
    rejects((s) => (s.train.learningRate = 0), 'train.learningRate', /greater than 0, got 0/);
    rejects((s) => (s.train.learningRate = -1e-3), 'train.learningRate', /greater than 0/);
    rejects((s) => delete s.train.learningRate, 'train.learningRate', /missing/);
  });

  it("rejects shapes that don't chain, such as a pool larger than its input", () => {
    rejects(
      (s) => {
        s.model.input = [1, 28, 28];
        s.model.layers = [{ conv: { filters: 4, size: 5 } }, 'relu', { pool: 30 }, { affine: 10 }];
      },
      'model.layers[2]',
      /larger/,
    );
  });

  it('rejects a missing loss, saying which losses exist', () => {
    rejects((s) => delete s.model.loss, 'model.loss', /softmax/);
  });

  it('rejects an epoch count that is not a positive integer', () => {
    rejects((s) => (s.train.epochs = 2.5), 'train.epochs', /positive integer, got 2.5/);
    rejects((s) => (s.train.epochs = 0), 'train.epochs', /positive integer/);
    rejects((s) => (s.train.epochs = 'ten'), 'train.epochs', /positive integer, got "ten"/);
  });

  it('rejects unknown fields, listing the allowed ones', () => {
    rejects((s) => (s.train.learningrate = 1), 'train.learningrate', /allowed fields are/);
  });

  it('rejects an unknown update rule and a decay outside (0, 1]', () => {
    rejects((s) => (s.train.update = 'adagrad'), 'train.update', /momentum/);
    rejects((s) => (s.train.learningRateDecay = 1.5), 'train.learningRateDecay', /\[0, 1\]/);
    rejects((s) => (s.train.learningRateDecay = 0), 'train.learningRateDecay', /\(0, 1\]/);
  });

  it('rejects a data source this version cannot read, and impossible splits', () => {
    rejects((s) => (s.data.train = 'imagenet:/tmp/x'), 'data.train', /builtin:mnist, idx:IMAGES,LABELS/);
    rejects((s) => (s.data.split = { val: 0.6, test: 0.5 }), 'data.split', /below 1/);
  });

  it('accepts file sources and data.test, and then sets split.test to 0', () => {
    const spec = parseJobSpec({
      ...valid(),
      data: { train: 'idx:a.idx,b.idx', test: 'idx:c.idx,d.idx', split: { val: 0.2 } },
    });
    assert.equal(spec.data.test, 'idx:c.idx,d.idx');
    assert.deepEqual(spec.data.split, { val: 0.2, test: 0 });
    const csv = parseJobSpec({
      ...valid(),
      data: { train: 'csv:x.csv', shape: [1, 2, 2], labelColumn: 'y' },
    });
    assert.deepEqual(csv.data.shape, [1, 2, 2]);
    assert.equal(csv.data.labelColumn, 'y');
  });

  it('rejects a malformed file source, split.test with data.test, and CSV options on other sources', () => {
    rejects((s) => (s.data.train = 'idx:only-one'), 'data.train', /two paths/);
    rejects((s) => (s.data.train = 'npy:a,'), 'data.train', /empty path/);
    rejects((s) => (s.data.test = 'foo'), 'data.test', /accepted forms/);
    rejects((s) => (s.data.test = 'csv:t.csv'), 'data.split.test', /0 or absent/);
    rejects((s) => (s.data.shape = [784]), 'data.shape', /csv/);
  });

  it('rejects more shards than samples in a batch', () => {
    rejects((s) => (s.train.shards = 101), 'train.shards', /batchSize/);
  });
});
