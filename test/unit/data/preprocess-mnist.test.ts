import { strict as assert } from 'node:assert';
import { loadBuiltinMnist } from '../../../src/data/builtin-mnist';
import { splitDataset } from '../../../src/data/split';
import {
  applyPreprocess,
  explainedVariance,
  fitPreprocess,
  parsePreprocess,
  type PreprocessStats,
} from '../../../src/data/preprocess';
import { columnMeans, maxOffFrom, naiveCovariance } from './preprocess-helpers';

describe('preprocess on real MNIST (8 000 training images, D = 784)', () => {
  const { train } = splitDataset(loadBuiltinMnist(), { val: 0.1, test: 0.1 }, 7);
  const dim = 784;
  let stats: PreprocessStats;
  let fitMs = 0;

  before(() => {
    const t0 = Date.now();
    stats = fitPreprocess(train, parsePreprocess({ mean: 'per-pixel', pca: 50, whiten: true }, 'p'));
    fitMs = Date.now() - t0;
    // The fit (784×784 covariance of 8 000 images + full eigen-decomposition) takes ~5 s on one core.
    console.log(`      fitPreprocess(8000 × 784, pca 50, whiten): ${fitMs} ms`);
  });

  it('whitens the training data to identity covariance (k = 50)', () => {
    assert.equal(train.count, 8000);
    const out = applyPreprocess(stats, train.x, train.count);
    const cov = naiveCovariance(out, train.count, 50);
    // Exactly diag(λ/(λ+eps)); λ50 ≈ 0.1 here, so the eps effect is ≈ 1e-4.
    const worst = maxOffFrom(cov, new Array(50).fill(1));
    assert.ok(worst < 1e-3, `max |C − I| = ${worst}`);
  });

  it('keeps a sane share of variance with k = 50, equal to 1 − residual/total computed independently', () => {
    const share = explainedVariance(stats);
    assert.ok(share > 0.75 && share < 0.9, `share ${share}`);
    const mean = columnMeans(train.x, train.count, dim);
    const v = stats.pca!.components;
    const xc = new Float64Array(dim);
    let total = 0;
    let residual = 0;
    for (let i = 0; i < train.count; i++) {
      for (let p = 0; p < dim; p++) xc[p] = train.x[i * dim + p] - mean[p];
      const r = Float64Array.from(xc);
      for (let c = 0; c < 50; c++) {
        let y = 0;
        for (let p = 0; p < dim; p++) y += v[c * dim + p] * xc[p];
        for (let p = 0; p < dim; p++) r[p] -= y * v[c * dim + p];
      }
      for (let p = 0; p < dim; p++) {
        total += xc[p] * xc[p];
        residual += r[p] * r[p];
      }
    }
    assert.ok(Math.abs(total / train.count - stats.pca!.totalVariance) < 1e-9 * total);
    assert.ok(Math.abs(1 - residual / total - share) < 1e-9, `${1 - residual / total} vs ${share}`);
  });
});
