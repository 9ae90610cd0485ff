/**
 * Preprocessing stored with the model: a job with mean-image and std preprocessing is trained by real
 * coordinator and worker processes (the float64 reference backend), exported with `gradpool export`, and
 * the export classifies the RAW test images (through ExportedModel and through `gradpool predict`) exactly
 * as the coordinator's Evaluate classified the test split. The stored statistics must be those fitted on
 * the training split: dropped or refitted on all the data, the predictions change.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSource } from '../../src/data/load-source';
import { fitPreprocess } from '../../src/data/preprocess';
import { deserializeStats, serializeStats } from '../../src/data/preprocess-codec';
import { splitDataset } from '../../src/data/split';
import { accuracyOf, ExportedModel, type ExportDocument } from '../../src/train/exported-model';
import { parseJobSpec } from '../../src/train/job-spec';
import { loadJobDataAndStats } from '../../src/train/run-job';
import { Cluster, clusterPerTest } from '../helpers/cluster';

const SPEC = {
  name: 'export-preprocess',
  data: {
    subset: 700,
    split: { val: 0.1, test: 0.1 },
    preprocess: { mean: 'per-pixel', std: true },
  },
  model: { input: [784], layers: [{ affine: 24 }, 'relu', { affine: 10 }], loss: 'softmax', init: 'he' },
  train: { epochs: 2, batchSize: 50, learningRate: 0.02, update: 'momentum', seed: 11, shards: 2 },
};

describe('gradpool export / predict: preprocessing stored with the model', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('classifies raw test images through the export exactly as Evaluate does, with the training split’s stats', async () => {
    const coordinator = await cluster.startCoordinator();
    for (const id of ['r1', 'r2'])
      cluster.spawnCli([
        'worker',
        '--coordinator',
        coordinator.address,
        '--id',
        id,
        '--backend',
        'reference',
      ]);
    await Promise.all(['r1', 'r2'].map((id) => cluster.waitRegistered(id, 60_000)));
    const jobId = await cluster.submit(SPEC, 'export-preprocess');
    const end = await cluster.waitJobEnd(jobId, 240_000);
    assert.equal(end.job.state, 'FINISHED', end.job.message);

    // The coordinator's view: the test split evaluated by the workers.
    const evalProc = await cluster.cli([
      'eval',
      jobId,
      '--split',
      'test',
      '--coordinator',
      coordinator.address,
      '--json',
    ]);
    assert.equal(evalProc.code, 0, evalProc.tail());
    const evaluated = evalProc.events().find((e) => e.type === 'eval') as { accuracy: number; count: number };
    assert.equal(evaluated.count, 1000);

    const file = join(cluster.scratch, 'model.json');
    const exported = await cluster.cli(['export', jobId, '-o', file, '--coordinator', coordinator.address]);
    assert.equal(exported.code, 0, exported.tail());
    const doc = JSON.parse(readFileSync(file, 'utf8')) as ExportDocument;
    assert.notEqual(doc.preprocess, null, 'the export carries the fitted statistics');

    // The stored statistics are bit-exactly those fitted on the training split alone.
    const spec = parseJobSpec(SPEC);
    const trainStats = loadJobDataAndStats(spec.data, spec.train.seed).preprocess;
    assert.ok(trainStats);
    const stored = deserializeStats(Buffer.from(JSON.stringify(doc.preprocess)));
    assert.ok(serializeStats(stored).equals(serializeStats(trainStats)), 'stored stats = train-split fit');

    // RAW test images: the same held-out split, before any preprocessing.
    const all = loadSource('builtin:mnist');
    const rawTest = splitDataset(all, spec.data.split, spec.train.seed).test;
    assert.equal(rawTest.count, 1000);
    const model = ExportedModel.load(file);
    const predicted = model.predict(rawTest.x, rawTest.count, rawTest.sampleShape);
    const accuracy = accuracyOf(predicted, rawTest.labels);
    assert.equal(accuracy, evaluated.accuracy, 'the export agrees with Evaluate on the raw test images');
    assert.ok(accuracy > 0.5, `a trained model (accuracy ${accuracy})`);

    // The CLI: raw test images written as a CSV (label, 784 float pixels), classified by gradpool predict.
    const csv = join(cluster.scratch, 'test.csv');
    const rows: string[] = [];
    for (let i = 0; i < rawTest.count; i++)
      rows.push([rawTest.labels[i], ...Array.from(rawTest.x.subarray(i * 784, (i + 1) * 784))].join(','));
    writeFileSync(csv, rows.join('\n') + '\n');
    const predFile = join(cluster.scratch, 'pred.txt');
    const cli = await cluster.cli(['predict', file, `csv:${csv}`, '--out', predFile, '--json']);
    assert.equal(cli.code, 0, cli.tail());
    const line = cli.events().find((e) => e.type === 'predict') as { accuracy: number; samples: number };
    assert.equal(line.samples, 1000);
    assert.equal(line.accuracy, evaluated.accuracy);
    assert.deepEqual(readFileSync(predFile, 'utf8').trim().split('\n').map(Number), Array.from(predicted));

    // Without the statistics the export is refused, naming the problem.
    assert.throws(
      () => ExportedModel.fromDocument({ ...doc, preprocess: null }, 'model.json'),
      /model\.json: the spec has data\.preprocess but the export has no preprocessing statistics/,
    );
    // Refitted on all the data (train, val and test), the same parameters classify differently.
    const leaked = fitPreprocess(all, spec.data.preprocess);
    const refitted = ExportedModel.fromDocument({
      ...doc,
      preprocess: JSON.parse(serializeStats(leaked).toString('utf8')),
    });
    const other = refitted.predict(rawTest.x, rawTest.count, rawTest.sampleShape);
    assert.ok(
      other.some((c, i) => c !== predicted[i]),
      'statistics refitted on other data change some predictions',
    );
  });
});
