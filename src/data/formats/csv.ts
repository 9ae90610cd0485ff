/**
 * CSV files: one sample per line, a label column and the pixel (feature) columns, comma-separated.
 * A header row is optional and detected (the first row has a cell that is not a number). The label
 * column is `labelColumn` (by header name), else a header column named `label`, else the first column.
 * Values: when every pixel cell is an integer in 0–255 and one exceeds 1, the file is uint8 pixels and is
 * scaled by 1/255 (as the builtin MNIST); otherwise values are kept as written (float32).
 */
import type { Dataset } from '../dataset';
import { classesOf, dataError, readDataFile } from './read-data-file';

/** Options of the CSV reader. */
export interface CsvOptions {
  /** Per-sample shape, e.g. [1, 28, 28]; default [D], D = number of pixel columns. */
  readonly shape?: readonly number[];
  /** Name of the label column in the header row; default `label` if present, else the first column. */
  readonly labelColumn?: string;
}

const isNumber = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

/** The label column's index, from the header (if any) and the options. */
function labelIndex(file: string, header: string[] | null, labelColumn: string | undefined): number {
  if (labelColumn === undefined) return header ? Math.max(0, header.indexOf('label')) : 0;
  if (!header)
    throw dataError(file, 'line 1', `data.labelColumn "${labelColumn}" needs a header row; found none`);
  const i = header.indexOf(labelColumn);
  if (i < 0)
    throw dataError(
      file,
      'line 1',
      `expected a column "${labelColumn}" in the header, found ${header.join(',')}`,
    );
  return i;
}

/** Reads a CSV file of labelled samples. */
export function readCsv(file: string, options: CsvOptions = {}): Dataset {
  const lines = readDataFile(file).toString('utf8').split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw dataError(file, 'line 1', 'expected a header or a data row, found an empty file');
  const firstCells = lines[first].split(',').map((c) => c.trim());
  const header = firstCells.every(isNumber) ? null : firstCells;
  const columns = firstCells.length;
  const li = labelIndex(file, header, options.labelColumn);
  const dim = columns - 1;
  if (dim < 1)
    throw dataError(
      file,
      `line ${first + 1}`,
      `expected a label and at least one pixel column, found ${columns} column`,
    );
  const shape = options.shape ?? [dim];
  if (shape.reduce((a, b) => a * b, 1) !== dim) {
    throw dataError(
      file,
      `line ${first + 1}`,
      `data.shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)} pixel columns, found ${dim}`,
    );
  }
  const values: number[] = [];
  const labelList: number[] = [];
  let bytesLike = true;
  let maxValue = -Infinity;
  for (let n = header ? first + 1 : first; n < lines.length; n++) {
    if (lines[n].trim() === '') continue;
    const cells = lines[n].split(',');
    const where = (c: number): string => `line ${n + 1}, column ${c + 1}`;
    if (cells.length !== columns)
      throw dataError(file, `line ${n + 1}`, `expected ${columns} columns, found ${cells.length}`);
    for (let c = 0; c < columns; c++) {
      const v = isNumber(cells[c]) ? Number(cells[c]) : NaN;
      if (c === li) {
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
          throw dataError(file, where(c), `expected an integer label in 0–255, found "${cells[c].trim()}"`);
        }
        labelList.push(v);
      } else {
        if (Number.isNaN(v)) throw dataError(file, where(c), `expected a number, found "${cells[c].trim()}"`);
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) bytesLike = false;
        if (v > maxValue) maxValue = v;
        values.push(v);
      }
    }
  }
  if (labelList.length === 0)
    throw dataError(file, `line ${lines.length}`, 'expected at least one data row, found none');
  const scale = bytesLike && maxValue > 1 ? 1 / 255 : 1;
  const x = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) x[i] = values[i] * scale;
  const labels = Uint8Array.from(labelList);
  return Object.freeze({
    source: `csv:${file}`,
    x,
    labels,
    count: labels.length,
    sampleShape: [...shape],
    numClasses: classesOf(labels),
  });
}
