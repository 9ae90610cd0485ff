/** How `gradpool data upload` tells formats and roles from file names and ROLE=FILE arguments. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planUpload } from '../../../src/cli/data';

describe('gradpool data upload: planUpload', () => {
  let dir: string;
  const at = (f: string) => {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) fs.writeFileSync(p, 'x'.repeat(f.length));
    return p;
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-plan-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('recognises the Fashion-MNIST file names, in canonical role order', () => {
    const plan = planUpload([
      at('t10k-labels-idx1-ubyte.gz'),
      at('train-images-idx3-ubyte.gz'),
      at('t10k-images-idx3-ubyte.gz'),
      at('train-labels-idx1-ubyte.gz'),
    ]);
    assert.equal(plan.format, 'idx');
    assert.deepEqual(
      plan.files.map((f) => [f.role, f.fileName, f.sizeBytes]),
      [
        ['train-images', 'train-images-idx3-ubyte.gz', 26],
        ['train-labels', 'train-labels-idx1-ubyte.gz', 26],
        ['test-images', 't10k-images-idx3-ubyte.gz', 25],
        ['test-labels', 't10k-labels-idx1-ubyte.gz', 25],
      ],
    );
  });

  it('takes CIFAR batches in argument order, npy x/y names, and ROLE=FILE', () => {
    const cifar = planUpload([at('data_batch_2.bin'), at('data_batch_1.bin'), at('test_batch.bin')]);
    assert.equal(cifar.format, 'cifar');
    assert.deepEqual(
      cifar.files.map((f) => [f.role, f.fileName]),
      [
        ['train', 'data_batch_2.bin'],
        ['train', 'data_batch_1.bin'],
        ['test', 'test_batch.bin'],
      ],
    );
    const npy = planUpload([at('x_train.npy'), at('y_train.npy')]);
    assert.deepEqual(
      npy.files.map((f) => f.role),
      ['train-images', 'train-labels'],
    );
    const explicit = planUpload([`train-labels=${at('b.raw')}`, `train-images=${at('a.raw')}`], 'idx');
    assert.deepEqual(
      explicit.files.map((f) => [f.role, f.fileName]),
      [
        ['train-images', 'a.raw'],
        ['train-labels', 'b.raw'],
      ],
    );
  });

  it('names the file and the fix when it cannot tell', () => {
    assert.throws(
      () => planUpload([at('a.raw')]),
      /cannot tell the format .*a\.raw.*give --format idx\|cifar\|csv\|npy/,
    );
    assert.throws(
      () => planUpload([at('a.raw'), at('b.raw')], 'idx'),
      /cannot tell the role of .*a\.raw.*ROLE=.*train-images/,
    );
    assert.throws(() => planUpload([at('train.csv'), at('more.csv')]), /exactly one train file, got 2/);
    assert.throws(() => planUpload([path.join(dir, 'missing.csv')]), /cannot read .*missing\.csv: ENOENT/);
    assert.throws(() => planUpload([at('x.csv')], 'tiff'), /--format must be one of idx, cifar, csv, npy/);
  });
});
