import { strict as assert } from 'node:assert';
import { StepHistory } from '../../../src/coordinator/step-history';

const its = (h: StepHistory, id: string) => h.steps(id).map((p) => p.iteration);

describe('StepHistory', () => {
  it('keeps the last `capacity` steps of a job, oldest first', () => {
    const h = new StepHistory(3);
    for (let i = 0; i < 5; i++) h.record('a', { iteration: i, cost: 10 - i });
    assert.deepEqual(h.steps('a'), [
      { iteration: 2, cost: 8 },
      { iteration: 3, cost: 7 },
      { iteration: 4, cost: 6 },
    ]);
    assert.equal(h.firstIteration('a'), 2);
    assert.deepEqual(h.steps('none'), []);
    assert.equal(h.firstIteration('none'), -1);
  });

  it('forgets the steps a resumed job repeats', () => {
    const h = new StepHistory(10);
    for (let i = 0; i < 6; i++) h.record('a', { iteration: i, cost: i });
    h.record('a', { iteration: 3, cost: 33 });
    assert.deepEqual(its(h, 'a'), [0, 1, 2, 3]);
    assert.equal(h.steps('a')[3].cost, 33);
  });

  it('seeds the start of a job from a loss history, before the steps it kept, within capacity', () => {
    const h = new StepHistory(5);
    h.record('a', { iteration: 4, cost: 40 });
    h.record('a', { iteration: 5, cost: 50 });
    h.seed('a', [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(its(h, 'a'), [1, 2, 3, 4, 5]);
    assert.equal(h.steps('a')[4].cost, 50); // kept steps win over the seed
    h.seed('b', [7, 8]);
    assert.deepEqual(h.steps('b'), [
      { iteration: 0, cost: 7 },
      { iteration: 1, cost: 8 },
    ]);
  });

  it('drops the job written to least recently beyond maxJobs', () => {
    const h = new StepHistory(4, 2);
    h.record('a', { iteration: 0, cost: 1 });
    h.record('b', { iteration: 0, cost: 1 });
    h.record('a', { iteration: 1, cost: 1 });
    h.record('c', { iteration: 0, cost: 1 });
    assert.deepEqual(its(h, 'b'), []);
    assert.deepEqual(its(h, 'a'), [0, 1]);
    assert.deepEqual(its(h, 'c'), [0]);
  });
});
