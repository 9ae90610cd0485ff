/** The lines of k-fold cross-validation, shared by the coordinator (job message) and the CLI. */
import { pythonFixed } from './format';

/** Mean, sample standard deviation, min and max of the folds' validation accuracies. */
export interface FoldStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** `fold 2 / 5: val_acc 0.912000` (fold is 0-based, printed 1-based like epochs of the recipe's lines). */
export function foldLine(
  fold: number,
  folds: number,
  valAcc: number,
  state = 'FINISHED',
  reason = '',
): string {
  const end = state === 'FINISHED' ? '' : ` (${state.toLowerCase()}${reason ? `: ${reason}` : ''})`;
  return `fold ${fold + 1} / ${folds}: val_acc ${pythonFixed(valAcc)}${end}`;
}

/** `cross-validation (5 folds): val_acc mean 0.905000 ± 0.006000 (min 0.897000, max 0.913000)`. */
export function summaryLine(folds: number, s: FoldStats): string {
  return (
    `cross-validation (${folds} folds): val_acc mean ${pythonFixed(s.mean)} ± ${pythonFixed(s.std)} ` +
    `(min ${pythonFixed(s.min)}, max ${pythonFixed(s.max)})`
  );
}
