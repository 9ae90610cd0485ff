/** Everything needed to resume a training run exactly where it stopped (what a checkpoint holds). */
import type { Data } from '../../kernels/spec';

/** Mutable state of a training run; `iteration` = updates applied = the parameters' version. */
export interface TrainState {
  iteration: number;
  /** Epochs finished. */
  epoch: number;
  params: Data[];
  /** Optimizer slots by name (`<param>/<slot>`) and its update count. */
  optimizerSlots: Map<string, Data>;
  optimizerT: number;
  bestParams: Data[];
  bestValAcc: number;
  lossHistory: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
}

/** The state before the first update: copies of `initial` in the executor's element type. */
export function initialTrainState(initial: readonly Data[], alloc: (n: number) => Data): TrainState {
  const params = initial.map((p) => {
    const a = alloc(p.length);
    a.set(p);
    return a;
  });
  return {
    iteration: 0,
    epoch: 0,
    params,
    optimizerSlots: new Map(),
    optimizerT: 0,
    bestParams: params.map((p) => p.slice()),
    bestValAcc: 0,
    lossHistory: [],
    trainAccHistory: [],
    valAccHistory: [],
  };
}

/** A deep copy of `s` (arrays and maps copied), e.g. to keep a snapshot while training goes on. */
export function cloneTrainState(s: TrainState): TrainState {
  return {
    ...s,
    params: s.params.map((p) => p.slice()),
    optimizerSlots: new Map([...s.optimizerSlots].map(([k, v]) => [k, v.slice()])),
    bestParams: s.bestParams.map((p) => p.slice()),
    lossHistory: [...s.lossHistory],
    trainAccHistory: [...s.trainAccHistory],
    valAccHistory: [...s.valAccHistory],
  };
}
