import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSource, parseSource } from '../../../../src/data/load-source';
import { GradpoolError } from '../../../../src/shared/errors';
import { NO_AUGMENT } from '../../../../src/data/augment';
import { NO_PREPROCESS } from '../../../../src/data/preprocess';
import { loadJobData } from '../../../../src/train/run-job';
import { writeIdx } from './write-files';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('data sources', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-source-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string): string => join(dir, name);

  function writePair(prefix: string, n: number): string {
    writeIdx(
      at(`${prefix}-img`),
      [n, 2, 2],
      Uint8Array.from({ length: 4 * n }, (_, i) => i % 256),
    );
    writeIdx(
      at(`${prefix}-lab`),
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 3),
    );
    return `idx:${at(`${prefix}-img`)},${at(`${prefix}-lab`)}`;
  }

  it('parses each accepted form and explains a bad one', () => {
    assert.deepEqual(parseSource('cifar:a,b,c'), { kind: 'cifar', files: ['a', 'b', 'c'] });
    assert.deepEqual(parseSource('npy:x.npy, y.npy'), { kind: 'npy', files: ['x.npy', 'y.npy'] });
    assert.match(parseSource('csv:a,b') as string, /one path/);
    assert.throws(
      () => loadSource('tfrecord:x'),
      (e: unknown) =>
        e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && /accepted forms/.test(e.message),
    );
  });

  it('returns the cached dataset for unchanged files and reloads a changed one', () => {
    const src = writePair('a', 5);
    const first = loadSource(src);
    assert.equal(loadSource(src), first);
    utimesSync(at('a-img'), new Date(), new Date(Date.now() + 5000));
    assert.notEqual(loadSource(src), first);
  });

  it('takes the test split from data.test and train/val from data.train', () => {
    const data = {
      train: writePair('tr', 20),
      test: writePair('te', 4),
      split: { val: 0.25, test: 0 },
      subset: 0,
      preprocess: NO_PREPROCESS,
      augment: NO_AUGMENT,
    };
    const s = loadJobData(data, 1);
    assert.deepEqual([s.train.count, s.val.count, s.test.count], [15, 5, 4]);
    assert.equal(s.test.source, data.test);
  });

  it('loads the real Fashion-MNIST files when installed', function () {
    if (!existsSync(`${FASHION}/train-images-idx3-ubyte.gz`)) this.skip(); // apt-get install dataset-fashion-mnist
    const d = loadSource(`idx:${FASHION}/t10k-images-idx3-ubyte.gz,${FASHION}/t10k-labels-idx1-ubyte.gz`);
    assert.deepEqual([d.count, d.numClasses], [10000, 10]);
    assert.deepEqual(d.sampleShape, [1, 28, 28]);
  });
});
