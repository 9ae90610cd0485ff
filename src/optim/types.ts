/** Types of update rules and learning-rate schedules. */

/** Flat parameter or gradient storage. */
export type Vec = Float32Array | Float64Array;

/** Update rule names. */
export type UpdateName = 'sgd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam';

/** Every update rule name, in the order error messages list them. */
export const UPDATE_NAMES: readonly UpdateName[] = Object.freeze([
  'sgd',
  'momentum',
  'nesterov',
  'rmsprop',
  'adam',
] as const);

/** Hyper-parameters of the update rules; every field has a default. */
export interface UpdateOptions {
  /** Momentum μ for 'momentum' and 'nesterov' (default 0.9). */
  readonly momentum: number;
  /** RMSprop decay d (default 0.99). */
  readonly decayRate: number;
  /** Adam β1 (default 0.9). */
  readonly beta1: number;
  /** Adam β2 (default 0.999). */
  readonly beta2: number;
  /** Added under the square root (RMSprop) or to the denominator (Adam) (default 1e-8). */
  readonly epsilon: number;
}

/** Learning-rate schedules. `iteration` counts updates from 0; `epoch` counts finished epochs from 0. */
export type ScheduleSpec =
  /** α = α0 · factor^epoch (the recipe's learningRateDecay; factor 1 = constant). */
  | { readonly type: 'decay'; readonly factor: number }
  /** α = α0 · factor^⌊iteration / every⌋. */
  | { readonly type: 'step'; readonly factor: number; readonly every: number }
  /** α = α0 · exp(−k · t), t = epoch or iteration. */
  | { readonly type: 'exp'; readonly k: number; readonly per: 'epoch' | 'iteration' }
  /** α = α0 · sqrt(1 − iteration / totalIterations). */
  | { readonly type: 'sqrt' }
  /** α = α0 / (1 + k · t), t = epoch or iteration. */
  | { readonly type: 'inv'; readonly k: number; readonly per: 'epoch' | 'iteration' };

/** Where training stands, for a schedule. */
export interface ScheduleClock {
  readonly iteration: number;
  readonly epoch: number;
  readonly totalIterations: number;
}

/** An update rule: how one parameter moves given its gradient and its per-parameter state (slots). */
export interface UpdateRule {
  readonly name: UpdateName;
  /** Names of the per-parameter state vectors, each as long as the parameter, in `apply`'s `slots` order. */
  readonly slots: readonly string[];
  /** In place: θ ← rule(θ, g), updating the slots; `t` is the 1-based update count (Adam bias correction). */
  apply(param: Vec, grad: Vec, slots: Vec[], learningRate: number, t: number): void;
}
