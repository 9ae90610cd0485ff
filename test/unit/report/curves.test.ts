import { strict as assert } from 'node:assert';
import { accuracyPng, lossCurvePng } from '../../../src/report/curves';
import { BLUE, ORANGE } from '../../../src/report/plot';
import { niceRange, niceTicks, tickLabel } from '../../../src/report/ticks';
import { countColor, decode } from './png-helpers';

const rgb = (c: readonly number[]) => [c[0], c[1], c[2]] as const;

describe('pictures: training curves', () => {
  it('draws the loss per iteration as a 640 × 400 PNG with a blue curve', () => {
    const loss = Array.from({ length: 300 }, (_, i) => 2.3 * Math.exp(-i / 80) + 0.1 * Math.sin(i));
    const img = decode(lossCurvePng(loss));
    assert.equal(img.width, 640);
    assert.equal(img.height, 400);
    assert.ok(countColor(img, rgb(BLUE)) > 300, 'the curve is drawn');
    assert.equal(countColor(img, rgb(ORANGE)), 0);
  });

  it('draws train (blue) and validation (orange) accuracy per epoch, with a legend', () => {
    const img = decode(accuracyPng([0.1, 0.5, 0.8, 0.9], [0.09, 0.45, 0.75, 0.85]));
    assert.equal(img.width, 640);
    assert.equal(img.height, 400);
    assert.ok(countColor(img, rgb(BLUE)) > 100);
    assert.ok(countColor(img, rgb(ORANGE)) > 100);
  });

  it('still draws a valid picture for empty, single-valued and non-finite histories', () => {
    for (const loss of [[], [2.3], [2.3, NaN, Infinity, 1.5], [NaN]]) {
      const img = decode(lossCurvePng(loss));
      assert.equal(img.width, 640, JSON.stringify(loss));
    }
    assert.equal(decode(accuracyPng([], [])).height, 400);
  });

  it('puts axis ticks at multiples of 1, 2 or 5 × 10^k, widened to whole steps', () => {
    assert.deepEqual(niceTicks(0, 2.3), [0, 0.5, 1, 1.5, 2]);
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceRange(0.13, 2.31), { min: 0, max: 2.5, ticks: [0, 0.5, 1, 1.5, 2, 2.5] });
    assert.equal(tickLabel(0.5, 0.5), '0.5');
    assert.equal(tickLabel(200, 100), '200');
    assert.equal(tickLabel(3e6, 1e6), '3e6');
    assert.equal(tickLabel(0.0002, 0.0001), '2e-4');
  });
});
