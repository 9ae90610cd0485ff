import { strict as assert } from 'node:assert';
import { doneLine, epochLine, pythonExp, pythonFixed } from '../../../src/train/format';

describe('recipe progress lines', () => {
  it('prints the epoch line of the recipe to the character', () => {
    const line = epochLine({
      epoch: 3,
      epochs: 10,
      cost: 1.9422571,
      trainAcc: 0.376,
      valAcc: 0.352,
      lr: 1e-3,
    });
    assert.equal(
      line,
      'Finished epoch 3 / 10: cost 1.942257, train: 0.376000, val 0.352000, lr 1.000000e-03',
    );
  });

  it('prints the closing line of the recipe', () => {
    assert.equal(doneLine(0.531), 'finished optimization. best validation accuracy: 0.531000');
  });

  it("formats exponents like Python's %e, with at least two digits and a sign", () => {
    assert.equal(pythonExp(5.340517e-4), '5.340517e-04');
    assert.equal(pythonExp(4.097824e-1), '4.097824e-01');
    assert.equal(pythonExp(12345), '1.234500e+04');
    assert.equal(pythonExp(1e-100), '1.000000e-100');
    assert.equal(pythonExp(0), '0.000000e+00');
    assert.equal(pythonExp(NaN), 'nan');
  });

  it("formats fixed values like Python's %f", () => {
    assert.equal(pythonFixed(2.302585093), '2.302585');
    assert.equal(pythonFixed(1), '1.000000');
    assert.equal(pythonFixed(Infinity), 'inf');
  });
});
