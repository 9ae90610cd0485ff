/** The recipe's own progress lines, to the character (Python's %f and %e). */

/** Python's `'%e' % v`: six decimals and an exponent of at least two digits, e.g. 1.000000e-03. */
export function pythonExp(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = v.toExponential(6).split('e');
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '');
  return `${mantissa}e${sign}${digits.padStart(2, '0')}`;
}

/** Python's `'%f' % v`: six decimals. */
export function pythonFixed(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return v.toFixed(6);
}

/** `Finished epoch 3 / 10: cost 1.942257, train: 0.376000, val 0.352000, lr 1.000000e-03` */
export function epochLine(e: {
  epoch: number;
  epochs: number;
  cost: number;
  trainAcc: number;
  valAcc: number;
  lr: number;
}): string {
  return (
    `Finished epoch ${e.epoch} / ${e.epochs}: cost ${pythonFixed(e.cost)}, ` +
    `train: ${pythonFixed(e.trainAcc)}, val ${pythonFixed(e.valAcc)}, lr ${pythonExp(e.lr)}`
  );
}

/** `finished optimization. best validation accuracy: 0.531000` */
export function doneLine(bestValAcc: number): string {
  return `finished optimization. best validation accuracy: ${pythonFixed(bestValAcc)}`;
}
