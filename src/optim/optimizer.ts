/**
 * The optimizer: one update rule, its per-parameter state (slots) and the update count t. Slots are named
 * `<param>/<slot>` (`fc1.weight/momentum`), so a checkpoint can store them by name and a restart can
 * check that they still fit the model. All state is allocated once, here; `step` allocates nothing.
 */
import { GradpoolError } from '../shared/errors';
import type { UpdateRule, Vec } from './types';

/** A parameter the optimizer keeps state for: its name (`<layer>.<param>`) and its number of elements. */
export interface OptimizerParam {
  readonly name: string;
  readonly size: number;
}

/** Applies an update rule to a fixed list of parameters, in order, and owns the rule's state. */
export class Optimizer {
  /** Every slot name, in parameter order then in the rule's slot order. */
  readonly slotNames: readonly string[];
  private readonly sizes: readonly number[];
  /** slots[p][k] is slot k of parameter p. */
  private readonly slots: Vec[][];
  private count = 0;

  /** Allocates (with `alloc`, then zeroes) every slot the rule needs for `params`. */
  constructor(
    readonly rule: UpdateRule,
    readonly params: readonly OptimizerParam[],
    alloc: (n: number) => Vec,
  ) {
    const seen = new Set<string>();
    const slotNames: string[] = [];
    this.slots = params.map(({ name, size }, p) => {
      if (typeof name !== 'string' || name === '' || name.includes('/')) {
        throw new GradpoolError(
          'E_INTERNAL',
          `optimizer: parameter ${p} needs a non-empty name without '/', got ${JSON.stringify(name)}`,
        );
      }
      if (seen.has(name))
        throw new GradpoolError('E_INTERNAL', `optimizer: parameter name ${name} appears twice`);
      seen.add(name);
      if (!Number.isInteger(size) || size < 1) {
        throw new GradpoolError(
          'E_INTERNAL',
          `optimizer: parameter ${name} size must be a positive integer, got ${size}`,
        );
      }
      return rule.slots.map((slot) => {
        const vec = alloc(size);
        if (vec.length !== size) {
          throw new GradpoolError('E_INTERNAL', `optimizer: alloc(${size}) returned ${vec.length} elements`);
        }
        vec.fill(0);
        slotNames.push(`${name}/${slot}`);
        return vec;
      });
    });
    this.sizes = params.map((p) => p.size);
    this.slotNames = Object.freeze(slotNames);
  }

  /** Number of updates applied so far (0 before the first step). */
  get t(): number {
    return this.count;
  }

  /** Updates every parameter in place, in order, with the rule at update count t + 1; then t increases. */
  step(params: Vec[], grads: Vec[], learningRate: number): void {
    // Check everything before touching anything, so a bad call leaves parameters and state unchanged.
    if (params.length !== this.sizes.length || grads.length !== this.sizes.length) {
      throw new GradpoolError(
        'E_INTERNAL',
        `optimizer.step: expected ${this.sizes.length} parameters and gradients, got ${params.length} and ${grads.length}`,
      );
    }
    for (let p = 0; p < this.sizes.length; p++) {
      if (params[p].length !== this.sizes[p] || grads[p].length !== this.sizes[p]) {
        throw new GradpoolError(
          'E_INTERNAL',
          `optimizer.step: ${this.params[p].name} expects ${this.sizes[p]} values, ` +
            `got a parameter of ${params[p].length} and a gradient of ${grads[p].length}`,
        );
      }
    }
    if (!Number.isFinite(learningRate) || learningRate < 0) {
      throw new GradpoolError(
        'E_INTERNAL',
        `optimizer.step: learning rate must be finite and ≥ 0, got ${learningRate}`,
      );
    }
    const t = this.count + 1;
    for (let p = 0; p < this.sizes.length; p++) {
      this.rule.apply(params[p], grads[p], this.slots[p], learningRate, t);
    }
    this.count = t;
  }

  /** A copy of every slot by name (`<param>/<slot>`), in `slotNames` order: what a checkpoint stores. */
  state(): Map<string, Vec> {
    const out = new Map<string, Vec>();
    let i = 0;
    for (const vecs of this.slots) {
      for (const vec of vecs) out.set(this.slotNames[i++], vec.slice());
    }
    return out;
  }

  /**
   * Replaces every slot with a copy of `state`'s and sets the update count to `t`. Checks everything first
   * (exactly the expected names, lengths, finite values, t a non-negative integer) and changes nothing on error.
   */
  loadState(state: ReadonlyMap<string, Vec>, t: number): void {
    const fail = (message: string): never => {
      throw new GradpoolError('E_BAD_DATA', `optimizer state: ${message}`);
    };
    if (!Number.isInteger(t) || t < 0) fail(`update count t must be a non-negative integer, got ${t}`);
    const expected = new Set(this.slotNames);
    for (const name of state.keys()) {
      if (!expected.has(name)) {
        fail(
          `unexpected slot ${name}; the ${this.rule.name} rule on this model has ` +
            (this.slotNames.length ? `slots ${listNames(this.slotNames)}` : 'no slots') +
            ' (was the state saved for another model or update rule?)',
        );
      }
    }
    let i = 0;
    for (let p = 0; p < this.slots.length; p++) {
      for (let k = 0; k < this.slots[p].length; k++) {
        const name = this.slotNames[i++];
        const vec = state.get(name);
        if (vec === undefined) {
          fail(`missing slot ${name} (was the state saved for another model or update rule?)`);
          return;
        }
        if (vec.length !== this.sizes[p])
          fail(`slot ${name} has ${vec.length} values, expected ${this.sizes[p]}`);
        for (let j = 0; j < vec.length; j++) {
          if (!Number.isFinite(vec[j])) fail(`slot ${name} holds ${vec[j]} at index ${j}`);
        }
      }
    }
    i = 0;
    for (const vecs of this.slots) {
      for (const vec of vecs) vec.set(state.get(this.slotNames[i++]) as Vec);
    }
    this.count = t;
  }
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 6).join(', ');
  return names.length > 6 ? `${shown} and ${names.length - 6} more` : shown;
}
