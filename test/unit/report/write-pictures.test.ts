import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeTrainingPictures } from '../../../src/report/write-pictures';
import { decode } from './png-helpers';

describe('pictures: writing a run’s pictures', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-pictures-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pictures = {
    lossHistory: [2.3, 2.0, 1.4, 0.9],
    trainAcc: [0.1, 0.6],
    valAcc: [0.1, 0.55],
    firstLayer: { weight: Float64Array.from({ length: 16 * 6 }, (_, i) => Math.sin(i)), shape: [16, 6] },
    inputShape: [1, 4, 4],
  };

  it('writes loss.png, accuracy.png and weights.png (creating the directory) and nothing else', () => {
    const target = join(dir, 'nested', 'pics');
    const paths = writeTrainingPictures(target, pictures);
    assert.deepEqual(paths, {
      loss: join(target, 'loss.png'),
      accuracy: join(target, 'accuracy.png'),
      weights: join(target, 'weights.png'),
    });
    assert.deepEqual(readdirSync(target).sort(), ['accuracy.png', 'loss.png', 'weights.png']);
    assert.equal(decode(readFileSync(paths.loss)).width, 640);
    assert.equal(decode(readFileSync(paths.accuracy)).height, 400);
    const weights = decode(readFileSync(paths.weights));
    assert.equal(weights.width, 3 * 4 * 8 + 4, '6 tiles of 4 × 4 in 3 columns, ×8 to reach 32 pixels');
  });

  it('replaces existing files whole, leaving no temporary file behind', () => {
    writeFileSync(join(dir, 'loss.png'), 'old');
    writeTrainingPictures(dir, pictures);
    writeTrainingPictures(dir, pictures);
    assert.equal(decode(readFileSync(join(dir, 'loss.png'))).width, 640);
    assert.deepEqual(readdirSync(dir).sort(), ['accuracy.png', 'loss.png', 'weights.png']);
  });

  it('removes its temporary file when the rename fails', () => {
    // Renaming a file onto a non-empty directory fails.
    const blocked = join(dir, 'a-directory');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    assert.throws(() => writeFileAtomic(blocked, new Uint8Array([1, 2, 3])));
    assert.deepEqual(readdirSync(dir), ['a-directory']);
  });
});
