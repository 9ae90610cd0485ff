/** Dataset manifests (ids, roles, names) and `dataset:` sources. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import {
  canonicalManifest,
  checkDatasetName,
  checkRoles,
  datasetId,
  filesOfPart,
} from '../../../src/data/dataset-manifest';
import { loadSource, parseSource } from '../../../src/data/load-source';
import { parseJobSpec } from '../../../src/train/job-spec';

const file = (role: string, sha: string, sizeBytes = 10) => ({ role, sizeBytes, sha256: sha.repeat(64) });

describe('dataset manifests', () => {
  it('gives the sha256 of the canonical manifest as id, independent of file order across roles', () => {
    const files = [
      file('train-images', 'a'),
      file('train-labels', 'b'),
      file('test-images', 'c'),
      file('test-labels', 'd'),
    ];
    const text = canonicalManifest('idx', files);
    assert.equal(datasetId('idx', files), createHash('sha256').update(text).digest('hex'));
    assert.equal(datasetId('idx', [...files].reverse()), datasetId('idx', files));
    assert.notEqual(datasetId('npy', files), datasetId('idx', files), 'the format is part of the content');
    assert.notEqual(
      datasetId('idx', [file('train-images', 'a', 11), ...files.slice(1)]),
      datasetId('idx', files),
    );
  });

  it('keeps the order of cifar batches (they are concatenated in order)', () => {
    const a = [file('train', 'a'), file('train', 'b')];
    assert.notEqual(datasetId('cifar', a), datasetId('cifar', [...a].reverse()));
    assert.deepEqual(
      filesOfPart('cifar', [...a, file('test', 'c')], 'train').map((f) => f.sha256[0]),
      ['a', 'b'],
    );
  });

  it('checks the roles of each format', () => {
    assert.doesNotThrow(() => checkRoles('idx', ['train-labels', 'train-images'], 'f'));
    assert.throws(
      () => checkRoles('idx', ['train-images'], 'f'),
      /f: needs one train-images and one train-labels/,
    );
    assert.throws(
      () => checkRoles('npy', ['train-images', 'train-labels', 'test-images'], 'f'),
      /test-images and test-labels come together/,
    );
    assert.throws(() => checkRoles('csv', ['train', 'train'], 'f'), /exactly one train file, got 2/);
    assert.throws(() => checkRoles('cifar', ['test'], 'f'), /at least one train batch/);
    assert.throws(() => checkRoles('csv', ['images'], 'f'), /unknown role "images"; roles are train, test/);
  });

  it('accepts names of letters, digits, . _ - and refuses ids and paths', () => {
    assert.equal(checkDatasetName('fashion-mnist_v1.2', 'n'), 'fashion-mnist_v1.2');
    for (const bad of ['', '-x', 'a/b', 'a:b', 'a'.repeat(65), 'f'.repeat(64)])
      assert.throws(() => checkDatasetName(bad, '--name'), /--name must be 1–64 letters/);
  });
});

describe('dataset: sources', () => {
  it('parses dataset:REF with an optional :train or :test part', () => {
    assert.deepEqual(parseSource('dataset:fashion'), { kind: 'dataset', ref: 'fashion', part: 'train' });
    assert.deepEqual(parseSource('dataset:fashion:test'), { kind: 'dataset', ref: 'fashion', part: 'test' });
    assert.match(
      String(parseSource('dataset:fashion:val')),
      /takes NAME or ID and optionally :train or :test/,
    );
    assert.match(String(parseSource('dataset:')), /takes NAME or ID/);
  });

  it('is a valid data.train / data.test in a job spec (csv options allowed, checked at load)', () => {
    const spec = parseJobSpec({
      data: { train: 'dataset:x', test: 'dataset:x:test', shape: [4] },
      model: { input: [4], layers: [{ affine: 2 }], loss: 'softmax' },
      train: { learningRate: 0.1 },
    });
    assert.equal(spec.data.train, 'dataset:x');
    assert.equal(spec.data.split.test, 0);
  });

  it('tells in-process runs that names need a coordinator, and an unknown id that this process lacks it', () => {
    assert.throws(
      () => loadSource('dataset:fashion'),
      /names are resolved by a coordinator at submit; .*gradpool submit.*gradpool data list/,
    );
    assert.throws(() => loadSource(`dataset:${'e'.repeat(64)}`), /this process does not have dataset e{64}/);
  });
});
