import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCifar } from '../../../../src/data/formats/cifar';
import { readCsv } from '../../../../src/data/formats/csv';
import { readIdx } from '../../../../src/data/formats/idx';
import { readNpy } from '../../../../src/data/formats/npy';
import { GradpoolError } from '../../../../src/shared/errors';
import { f32Bytes, writeIdx, writeNpy } from './write-files';

/** Asserts `fn` throws E_BAD_DATA whose message names `file` and matches each of `parts`. */
function badData(fn: () => unknown, file: string, ...parts: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, `expected a GradpoolError, got ${e}`);
    assert.equal(e.code, 'E_BAD_DATA');
    assert.ok(e.message.includes(file), `"${e.message}" should name ${file}`);
    for (const p of parts) assert.match(e.message, p);
    return true;
  });
}

const PIXELS = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => (i * 23) % 256);
const LABELS = Uint8Array.from([2, 0, 1]);
const scaled = (b: Uint8Array): number[] => Array.from(b, (v) => Math.fround(v / 255));

describe('data file readers', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gradpool-formats-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string): string => join(dir, name);

  describe('IDX', () => {
    for (const gzip of [false, true]) {
      it(`round-trips images and labels${gzip ? ' (gzip)' : ''}`, () => {
        writeIdx(at('img'), [3, 2, 2], PIXELS, gzip);
        writeIdx(at('lab'), [3], LABELS, gzip);
        const d = readIdx(at('img'), at('lab'));
        assert.equal(d.count, 3);
        assert.deepEqual(d.sampleShape, [1, 2, 2]);
        assert.deepEqual(Array.from(d.x), scaled(PIXELS));
        assert.deepEqual(Array.from(d.labels), [2, 0, 1]);
        assert.equal(d.numClasses, 3);
      });
    }

    it('rejects a bad magic, naming the file and byte 0', () => {
      writeIdx(at('img'), [3], PIXELS.subarray(0, 3)); // a labels file given as images
      writeIdx(at('lab'), [3], LABELS);
      badData(() => readIdx(at('img'), at('lab')), at('img'), /byte 0/, /0x00000803/, /found 0x00000801/);
    });

    it('rejects truncated images with the expected and found byte counts', () => {
      writeIdx(at('img'), [3, 2, 2], PIXELS.subarray(0, 10));
      writeIdx(at('lab'), [3], LABELS);
      badData(() => readIdx(at('img'), at('lab')), at('img'), /byte 16/, /expected 12 bytes/, /found 10/);
    });

    it('rejects a label count that differs from the image count', () => {
      writeIdx(at('img'), [3, 2, 2], PIXELS);
      writeIdx(at('lab'), [2], LABELS.subarray(0, 2));
      badData(() => readIdx(at('img'), at('lab')), at('lab'), /byte 4/, /expected 3 labels/, /found 2/);
    });

    it('rejects a missing file, naming it', () => {
      writeIdx(at('lab'), [3], LABELS);
      badData(() => readIdx(at('nope'), at('lab')), at('nope'), /ENOENT/);
    });
  });

  describe('CIFAR-10', () => {
    const record = (label: number, seed: number): Buffer =>
      Buffer.from([label, ...Array.from({ length: 3072 }, (_, i) => (i * seed) % 256)]);

    it('round-trips records from two batch files, channel-major', () => {
      writeFileSync(at('b1'), Buffer.concat([record(3, 1), record(9, 7)]));
      writeFileSync(at('b2'), record(0, 5));
      const d = readCifar([at('b1'), at('b2')]);
      assert.equal(d.count, 3);
      assert.deepEqual(d.sampleShape, [3, 32, 32]);
      assert.deepEqual(Array.from(d.labels), [3, 9, 0]);
      assert.equal(d.numClasses, 10);
      assert.deepEqual(Array.from(d.x.subarray(3072, 2 * 3072)), scaled(record(9, 7).subarray(1)));
      assert.deepEqual(Array.from(d.x.subarray(2 * 3072)), scaled(record(0, 5).subarray(1)));
    });

    it('rejects a file whose size is not a multiple of 3073, naming the file and size', () => {
      writeFileSync(at('b1'), record(1, 1));
      writeFileSync(at('b2'), record(1, 1).subarray(0, 3000));
      badData(() => readCifar([at('b1'), at('b2')]), at('b2'), /size 3000/, /multiple of 3073/);
    });
  });

  describe('CSV', () => {
    it('round-trips float values with a header, a named label column and a given shape', () => {
      writeFileSync(at('a.csv'), 'p0,p1,y,p2,p3\n0.5,-1.25,1,3,0.125\n\n2,0,0,0.75,1\n');
      const d = readCsv(at('a.csv'), { shape: [1, 2, 2], labelColumn: 'y' });
      assert.equal(d.count, 2);
      assert.deepEqual(d.sampleShape, [1, 2, 2]);
      assert.deepEqual(Array.from(d.x), [0.5, -1.25, 3, 0.125, 2, 0, 0.75, 1]);
      assert.deepEqual(Array.from(d.labels), [1, 0]);
    });

    it('reads headerless uint8 pixels with the label first and scales them by 1/255', () => {
      writeFileSync(at('b.csv'), '4,0,255,17\r\n1,3,2,1\r\n');
      const d = readCsv(at('b.csv'));
      assert.deepEqual(d.sampleShape, [3]);
      assert.deepEqual(Array.from(d.x), scaled(Uint8Array.from([0, 255, 17, 3, 2, 1])));
      assert.deepEqual(Array.from(d.labels), [4, 1]);
      assert.equal(d.numClasses, 5);
    });

    it('rejects a bad cell, naming its line and column', () => {
      writeFileSync(at('c.csv'), 'label,a,b\n1,0.5,0.5\n0,0.5,oops\n');
      badData(() => readCsv(at('c.csv')), at('c.csv'), /line 3, column 3/, /expected a number, found "oops"/);
    });

    it('rejects a short row and a shape that does not fit the columns', () => {
      writeFileSync(at('d.csv'), '1,2,3\n1,2\n');
      badData(() => readCsv(at('d.csv')), at('d.csv'), /line 2/, /expected 3 columns, found 2/);
      writeFileSync(at('e.csv'), '1,2,3\n');
      badData(() => readCsv(at('e.csv'), { shape: [1, 2, 2] }), at('e.csv'), /line 1/, /needs 4/, /found 2/);
    });
  });

  describe('NPY', () => {
    it('round-trips uint8 images [N, H, W] with int64 labels', () => {
      writeNpy(at('x.npy'), '|u1', [3, 2, 2], PIXELS);
      const lab = Buffer.alloc(24);
      LABELS.forEach((v, i) => lab.writeBigInt64LE(BigInt(v), 8 * i));
      writeNpy(at('y.npy'), '<i8', [3], lab);
      const d = readNpy(at('x.npy'), at('y.npy'));
      assert.deepEqual(d.sampleShape, [1, 2, 2]);
      assert.deepEqual(Array.from(d.x), scaled(PIXELS));
      assert.deepEqual(Array.from(d.labels), [2, 0, 1]);
    });

    it('round-trips float32 images [N, D] exactly with uint8 labels', () => {
      const values = [0.1, -2.5, 3e-8, 1, 0, 7.75];
      writeNpy(at('x.npy'), '<f4', [2, 3], f32Bytes(values));
      writeNpy(at('y.npy'), '<u1', [2], Uint8Array.from([1, 0]));
      const d = readNpy(at('x.npy'), at('y.npy'));
      assert.deepEqual(d.sampleShape, [3]);
      assert.deepEqual(Array.from(d.x), values.map(Math.fround));
      assert.deepEqual(Array.from(d.labels), [1, 0]);
    });

    it('rejects a bad magic and an unsupported dtype in the header', () => {
      writeFileSync(at('x.npy'), 'not an npy file at all');
      writeNpy(at('y.npy'), '<u1', [3], LABELS);
      badData(() => readNpy(at('x.npy'), at('y.npy')), at('x.npy'), /byte 0/, /NUMPY/);
      writeNpy(at('x.npy'), '<f8', [3, 1], new Uint8Array(24));
      badData(() => readNpy(at('x.npy'), at('y.npy')), at('x.npy'), /byte 10/, /found '<f8'/);
    });

    it('rejects fortran_order True', () => {
      writeNpy(at('x.npy'), '<u1', [3, 2, 2], PIXELS, true);
      writeNpy(at('y.npy'), '<u1', [3], LABELS);
      badData(() => readNpy(at('x.npy'), at('y.npy')), at('x.npy'), /byte 10/, /fortran_order False/);
    });

    it('rejects a truncated data section with the expected and actual byte counts', () => {
      writeNpy(at('x.npy'), '<f4', [3, 2], f32Bytes([1, 2, 3, 4, 5]));
      writeNpy(at('y.npy'), '<u1', [3], LABELS);
      badData(
        () => readNpy(at('x.npy'), at('y.npy')),
        at('x.npy'),
        /byte 128/,
        /expected 24 bytes/,
        /found 20/,
      );
    });
  });
});
