import { strict as assert } from 'node:assert';
import { splitDataset } from '../../../src/data/split';
import {
  applyPreprocess,
  checkPreprocessFor,
  explainedVariance,
  fitPreprocess,
  outputShape,
  outputShapeForSpec,
  parsePreprocess,
  preprocessDataset,
  type PreprocessSpec,
} from '../../../src/data/preprocess';
import { deserializeStats, serializeStats } from '../../../src/data/preprocess-codec';
import { GradpoolError } from '../../../src/shared/errors';
import { Rng } from '../../../src/shared/rng';
import { columnMeans, datasetOf, knownSpectrum, maxOffFrom, naiveCovariance } from './preprocess-helpers';

const spec = (raw: Record<string, unknown>): PreprocessSpec => parsePreprocess(raw, 'data.preprocess');

/** n random [3, 4, 4] images; channel c has mean 10·c + 1 and per-pixel offsets, one pixel is constant. */
function images(n: number, seed = 1): Float32Array {
  const rng = new Rng(seed, 5);
  const x = new Float32Array(n * 48);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 48; p++) {
      const c = Math.floor(p / 16);
      x[i * 48 + p] = p === 5 ? 7 : 10 * c + 1 + 0.05 * (p % 16) + (1 + c) * rng.normal();
    }
  }
  return x;
}

describe('preprocess: mean and std', () => {
  it('mean image subtraction leaves every pixel with zero mean on the training data', () => {
    const train = datasetOf(images(500), [3, 4, 4]);
    const out = applyPreprocess(fitPreprocess(train, spec({ mean: 'per-pixel' })), train.x, 500);
    for (const m of columnMeans(out, 500, 48)) assert.ok(Math.abs(m) < 1e-5, `pixel mean ${m}`);
  });

  it('per-channel mean subtraction zeroes each channel mean, not each pixel mean', () => {
    const train = datasetOf(images(500), [3, 4, 4]);
    const stats = fitPreprocess(train, spec({ mean: 'per-channel' }));
    assert.equal(stats.mean!.length, 3);
    const m = columnMeans(applyPreprocess(stats, train.x, 500), 500, 48);
    for (let c = 0; c < 3; c++) {
      const channel = m.subarray(c * 16, (c + 1) * 16).reduce((a, b) => a + b, 0) / 16;
      assert.ok(Math.abs(channel) < 1e-5, `channel ${c} mean ${channel}`);
    }
    assert.ok(Math.abs(m[15] - m[0]) > 0.5, 'pixel means within a channel still differ');
  });

  it('per-pixel std gives unit variance, and a constant pixel (σ = 0 < √eps floor) stays 0', () => {
    const train = datasetOf(images(500), [3, 4, 4]);
    const stats = fitPreprocess(train, spec({ mean: 'per-pixel', std: true }));
    const out = applyPreprocess(stats, train.x, 500);
    const cov = naiveCovariance(out, 500, 48);
    for (let p = 0; p < 48; p++) {
      const want = p === 5 ? 0 : 1;
      assert.ok(Math.abs(cov[p * 48 + p] - want) < 1e-5, `pixel ${p} variance ${cov[p * 48 + p]}`);
    }
    assert.equal(stats.std![5], Math.sqrt(1e-5));
  });

  it('per-channel std gives each channel unit variance', () => {
    const train = datasetOf(images(500), [3, 4, 4]);
    const out = applyPreprocess(fitPreprocess(train, spec({ mean: 'per-channel', std: true })), train.x, 500);
    for (let c = 0; c < 3; c++) {
      let sq = 0;
      for (let i = 0; i < 500; i++) for (let p = c * 16; p < (c + 1) * 16; p++) sq += out[i * 48 + p] ** 2;
      assert.ok(Math.abs(sq / (500 * 16) - 1) < 1e-5, `channel ${c} variance ${sq / 8000}`);
    }
  });

  it('with no preprocessing returns the samples unchanged and keeps the shape', () => {
    const train = datasetOf(images(10), [3, 4, 4]);
    const stats = fitPreprocess(train, spec({}));
    assert.deepEqual(applyPreprocess(stats, train.x, 10), train.x);
    assert.deepEqual(outputShape(stats, [3, 4, 4]), [3, 4, 4]);
    assert.equal(explainedVariance(stats), 1);
  });
});

describe('preprocess: PCA and whitening on data with a known spectrum', () => {
  const lambdas = [9, 7, 5, 4, 3, 2.5, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05];
  const { x, q } = knownSpectrum(2000, lambdas, 3);
  const train = datasetOf(x, [20]);
  const total = lambdas.reduce((a, b) => a + b, 0);

  it('recovers the eigenvalues, the axes, and explains exactly the known share of variance', () => {
    for (const k of [1, 5, 10, 20]) {
      const stats = fitPreprocess(train, spec({ mean: 'per-pixel', pca: k }));
      const share = lambdas.slice(0, k).reduce((a, b) => a + b, 0) / total;
      assert.ok(
        Math.abs(explainedVariance(stats) - share) < 1e-6,
        `k=${k}: ${explainedVariance(stats)} vs ${share}`,
      );
      const { eigenvalues, components } = stats.pca!;
      for (let j = 0; j < k; j++) {
        assert.ok(Math.abs(eigenvalues[j] - lambdas[j]) < 1e-5 * lambdas[0], `λ${j} = ${eigenvalues[j]}`);
        let dot = 0;
        for (let p = 0; p < 20; p++) dot += components[j * 20 + p] * q[p * 20 + j];
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6, `axis ${j}: |cos| = ${Math.abs(dot)}`);
      }
      assert.deepEqual(outputShape(stats, [20]), [k]);
    }
  });

  it('whitening (pca: 0 keeps all 20 axes) makes the training covariance the identity', () => {
    const stats = fitPreprocess(train, spec({ mean: 'per-pixel', whiten: true }));
    const out = applyPreprocess(stats, train.x, 2000);
    const cov = naiveCovariance(out, 2000, 20);
    // Exactly: cov = diag(λ / (λ + eps)); so |cov − I| ≤ eps / (λmin + eps) = 2e-4 here, plus float32 rounding.
    const expected = lambdas.map((l) => l / (l + 1e-5));
    assert.ok(maxOffFrom(cov, expected) < 1e-5, `|C − diag(λ/(λ+eps))| = ${maxOffFrom(cov, expected)}`);
    assert.ok(
      maxOffFrom(cov, new Array(20).fill(1)) < 1e-3,
      `|C − I| = ${maxOffFrom(cov, new Array(20).fill(1))}`,
    );
  });

  it('PCA projections are uncorrelated, with the eigenvalues as variances', () => {
    const stats = fitPreprocess(train, spec({ mean: 'per-pixel', pca: 8 }));
    const cov = naiveCovariance(applyPreprocess(stats, train.x, 2000), 2000, 8);
    assert.ok(maxOffFrom(cov, lambdas.slice(0, 8)) < 1e-4);
  });
});

describe('preprocess: statistics come from the training split only', () => {
  const all = datasetOf(images(1000, 9), [3, 4, 4]);
  const { train, val, test } = splitDataset(
    { ...all, labels: new Uint8Array(1000) },
    { val: 0.2, test: 0.1 },
    4,
  );
  const s = spec({ mean: 'per-pixel', std: true, pca: 6, whiten: true });

  it('changing validation and test samples leaves the fitted stats bit-identical', () => {
    const before = serializeStats(fitPreprocess(train, s));
    for (const d of [val, test]) for (let i = 0; i < d.x.length; i++) d.x[i] += 1000;
    const after = serializeStats(fitPreprocess(train, s));
    assert.ok(before.equals(after));
    const shifted = columnMeans(
      applyPreprocess(fitPreprocess(train, spec({ mean: 'per-pixel' })), val.x, val.count),
      val.count,
      48,
    );
    assert.ok(
      shifted.every((m) => m > 900),
      'val is transformed with the train mean, not its own',
    );
  });

  it('fits exactly the hand-computed train-only mean, which differs from the train+val mean', () => {
    const stats = fitPreprocess(train, spec({ mean: 'per-pixel' }));
    const byHand = columnMeans(train.x, train.count, 48);
    for (let p = 0; p < 48; p++) assert.ok(Math.abs(stats.mean![p] - byHand[p]) < 1e-12);
    const both = new Float32Array([...train.x, ...val.x]);
    const leaked = columnMeans(both, train.count + val.count, 48);
    assert.ok(
      leaked.some((m, p) => Math.abs(m - stats.mean![p]) > 1e-3),
      'a leak would be visible',
    );
  });
});

describe('preprocess: serialisation', () => {
  const train = datasetOf(images(200), [3, 4, 4]);
  for (const raw of [
    {},
    { mean: 'per-pixel' },
    { mean: 'per-channel', std: true },
    { mean: 'per-pixel', std: true, pca: 10 },
    { mean: 'none', whiten: true, eps: 1e-3 },
  ]) {
    it(`round-trips ${JSON.stringify(raw)} bit-exactly`, () => {
      const stats = fitPreprocess(train, spec(raw));
      const back = deserializeStats(serializeStats(stats));
      assert.deepEqual(back, stats);
      assert.ok(serializeStats(back).equals(serializeStats(stats)));
      assert.deepEqual(applyPreprocess(back, train.x, 200), applyPreprocess(stats, train.x, 200));
    });
  }

  it('rejects malformed or truncated stats with E_BAD_DATA', () => {
    const good = JSON.parse(
      serializeStats(fitPreprocess(train, spec({ mean: 'per-pixel', pca: 4 }))).toString(),
    );
    const cases = [
      'not json',
      JSON.stringify({ ...good, format: 'x' }),
      JSON.stringify({ ...good, mean: 'AAAA' }),
    ];
    cases.push(JSON.stringify({ ...good, pca: { ...good.pca, components: good.pca.center } }));
    for (const text of cases) {
      assert.throws(
        () => deserializeStats(Buffer.from(text)),
        (e: GradpoolError) => e.code === 'E_BAD_DATA',
      );
    }
  });
});

describe('preprocess: spec validation and shapes', () => {
  function rejects(raw: unknown, field: string, why: RegExp): void {
    assert.throws(
      () => parsePreprocess(raw, 'data.preprocess'),
      (e: GradpoolError) => e.code === 'E_BAD_SPEC' && e.field === field && why.test(e.message),
    );
  }

  it('defaults to no preprocessing', () => {
    assert.deepEqual(parsePreprocess(undefined, 'p'), {
      mean: 'none',
      std: false,
      pca: 0,
      whiten: false,
      eps: 1e-5,
    });
    assert.deepEqual(spec({ mean: 'per-channel' }).eps, 1e-5);
  });

  it('names the bad field', () => {
    rejects('per-pixel', 'data.preprocess', /mapping/);
    rejects({ mean: 'image' }, 'data.preprocess.mean', /none, per-pixel, per-channel/);
    rejects({ mean: 'per-pixel', std: 'yes' }, 'data.preprocess.std', /true or false/);
    rejects({ std: true }, 'data.preprocess.std', /needs mean/);
    rejects({ pca: -1 }, 'data.preprocess.pca', /non-negative integer/);
    rejects({ pca: 2.5 }, 'data.preprocess.pca', /non-negative integer/);
    rejects({ whiten: 1 }, 'data.preprocess.whiten', /true or false/);
    rejects({ eps: 0 }, 'data.preprocess.eps', /greater than 0/);
    rejects({ pcaa: 3 }, 'data.preprocess.pcaa', /unknown field/);
  });

  it('checks pca against the sample size before any data is read', () => {
    const check = (raw: Record<string, unknown>, shape: number[]) => () =>
      checkPreprocessFor(spec(raw), shape, 'data.preprocess');
    assert.throws(check({ pca: 785 }, [1, 28, 28]), /pca: must be at most the sample size 784/);
    assert.throws(check({ whiten: true }, [3, 64, 64]), /at most 4096 values, got 12288/);
    check({ pca: 50 }, [1, 28, 28])();
    assert.deepEqual(outputShapeForSpec(spec({ pca: 50 }), [1, 28, 28]), [50]);
    assert.deepEqual(outputShapeForSpec(spec({ whiten: true }), [3, 4, 4]), [48]);
    assert.deepEqual(outputShapeForSpec(spec({ mean: 'per-pixel' }), [3, 4, 4]), [3, 4, 4]);
  });

  it('rejects data of another shape or length than the stats were fitted on', () => {
    const train = datasetOf(images(20), [3, 4, 4]);
    const stats = fitPreprocess(train, spec({ mean: 'per-pixel', pca: 3 }));
    assert.throws(
      () => outputShape(stats, [48]),
      (e: GradpoolError) => e.code === 'E_BAD_DATA',
    );
    assert.throws(
      () => applyPreprocess(stats, train.x, 19),
      (e: GradpoolError) => e.code === 'E_BAD_DATA',
    );
    const out = preprocessDataset(stats, train);
    assert.deepEqual(out.sampleShape, [3]);
    assert.equal(out.x.length, 60);
  });
});
