/** FetchWriter: what a worker accepts from a dataset fetch. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { datasetId } from '../../../src/data/dataset-manifest';
import { FetchWriter } from '../../../src/worker/fetch-writer';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FetchWriter', () => {
  let dir: string;
  const a = Buffer.from('label,x\n0,1\n');
  const b = Buffer.from('label,x\n1,0\n');
  const files = [
    { role: 'train', fileName: 'a.csv', sizeBytes: a.length, sha256: sha(a) },
    { role: 'test', fileName: 'b.csv', sizeBytes: b.length, sha256: sha(b) },
  ];
  const id = datasetId('csv', files);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-fetchw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the files of a whole fetch and returns its manifest', async () => {
    const w = new FetchWriter(id, dir);
    await w.describe({ format: 'csv', files });
    await w.chunk({ fileIndex: 0, offset: 0, data: a.subarray(0, 5) });
    await w.chunk({ fileIndex: 0, offset: 5, data: a.subarray(5) });
    await w.chunk({ fileIndex: 1, offset: 0, data: b });
    const m = await w.finish();
    assert.equal(m.id, id);
    assert.deepEqual(fs.readFileSync(path.join(dir, '0-train')), a);
    assert.deepEqual(fs.readFileSync(path.join(dir, '1-test')), b);
  });

  it('refuses a description of other content, a gap, a short file and bytes that differ', async () => {
    await assert.rejects(
      new FetchWriter('0'.repeat(64), dir).describe({ format: 'csv', files }),
      /dataset 0{64}: the coordinator's description hashes to [0-9a-f]{64}/,
    );
    const gap = new FetchWriter(id, fs.mkdtempSync(path.join(dir, 'g')));
    await gap.describe({ format: 'csv', files });
    await assert.rejects(
      gap.chunk({ fileIndex: 0, offset: 3, data: a }),
      /unexpected chunk of file 0 at offset 3 \(expected file 0 at 0\)/,
    );
    await gap.close();
    const short = new FetchWriter(id, fs.mkdtempSync(path.join(dir, 's')));
    await short.describe({ format: 'csv', files });
    await short.chunk({ fileIndex: 0, offset: 0, data: a.subarray(0, 4) });
    await assert.rejects(
      short.chunk({ fileIndex: 1, offset: 0, data: b }),
      /file a\.csv \(train\) ended at byte 4 of 12/,
    );
    await short.close();
    const other = new FetchWriter(id, fs.mkdtempSync(path.join(dir, 'o')));
    await other.describe({ format: 'csv', files });
    await other.chunk({ fileIndex: 0, offset: 0, data: a });
    await other.chunk({ fileIndex: 1, offset: 0, data: Buffer.from('label,x\n1,1\n') });
    await assert.rejects(
      other.finish(),
      new RegExp(`file b\\.csv \\(test\\): the bytes received have sha256 [0-9a-f]{64}, expected ${sha(b)}`),
    );
    await other.close();
  });
});
