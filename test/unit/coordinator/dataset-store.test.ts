/** DatasetStore on a real directory: commits, names, and what a restart finds after a crash. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetStore, type StoredDataset } from '../../../src/coordinator/dataset-store';
import { datasetId } from '../../../src/data/dataset-manifest';

/** A csv dataset of one file with `text`, committed under `name`. */
async function commitCsv(store: DatasetStore, name: string, text: string, createdMs = 1) {
  const tmp = await store.tempDir();
  fs.writeFileSync(path.join(tmp, '0-train'), text);
  const files = [
    {
      role: 'train',
      fileName: 'a.csv',
      sizeBytes: text.length,
      sha256: String(text.length).padStart(64, '0'),
    },
  ];
  const ds: StoredDataset = {
    id: datasetId('csv', files),
    format: 'csv',
    files,
    sizeBytes: text.length,
    createdMs,
    trainCount: 1,
    testCount: 0,
    sampleShape: [1],
  };
  return { tmp, result: await store.commit(tmp, ds, name) };
}

describe('DatasetStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-dstore-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renames a commit into <id>/, records the name, and finds both after reopening', async () => {
    const store = await DatasetStore.open(dir);
    const { tmp, result } = await commitCsv(store, 'one', '0,1\n');
    assert.equal(fs.existsSync(tmp), false);
    const id = result.dataset.id;
    assert.ok(fs.existsSync(path.join(dir, 'datasets', id, 'manifest.json')));
    assert.equal(fs.readFileSync(path.join(dir, 'datasets', id, '0-train'), 'utf8'), '0,1\n');
    const again = await DatasetStore.open(dir);
    assert.equal(again.idOf('one'), id);
    assert.equal(again.idOf(id), id);
    assert.equal(again.idOf('two'), undefined);
    assert.deepEqual(again.resolve(id), {
      id,
      format: 'csv',
      files: [{ role: 'train', path: path.join(dir, 'datasets', id, '0-train') }],
    });
  });

  it('re-points a name, keeps the old content, and lists newest first', async () => {
    const store = await DatasetStore.open(dir);
    const a = (await commitCsv(store, 'n', '0,1\n', 1)).result;
    const b = (await commitCsv(store, 'n', '1,0,0\n', 2)).result;
    assert.equal(b.previousId, a.dataset.id);
    const same = (await commitCsv(store, 'n', '1,0,0\n', 3)).result;
    assert.deepEqual([same.existed, same.previousId], [true, '']);
    assert.deepEqual(
      store.list().map((d) => [d.id, d.names]),
      [
        [b.dataset.id, ['n']],
        [a.dataset.id, []],
      ],
    );
  });

  it('removes unfinished uploads at startup and ignores directories without a valid manifest', async () => {
    const store = await DatasetStore.open(dir);
    const { result } = await commitCsv(store, 'ok', '0,1\n');
    const crashed = await store.tempDir();
    fs.writeFileSync(path.join(crashed, '0-train'), 'half');
    fs.mkdirSync(path.join(dir, 'datasets', 'f'.repeat(64))); // a rename that lost its manifest
    const logged: string[] = [];
    const again = await DatasetStore.open(dir, (_l, msg) => logged.push(msg));
    assert.equal(fs.existsSync(crashed), false);
    assert.deepEqual(
      again.list().map((d) => d.id),
      [result.dataset.id],
    );
    assert.deepEqual(logged.sort(), [
      'ignoring a dataset directory without a valid manifest',
      'removed an unfinished dataset upload',
    ]);
  });
});
