/**
 * A line chart on a Raster: axes with tick labels, light grid lines, one polyline per series (non-finite
 * values break the line), optional dots, a title, an x-axis label and a legend.
 */
import { BLACK, Raster, WHITE, textHeight, textWidth, type Rgba } from './raster';
import { dataRange, niceRange, niceTicks, tickLabel } from './ticks';

/** One curve: y values at x = 0, 1, 2, … */
export interface Series {
  readonly values: readonly number[];
  readonly color: Rgba;
  /** Shown in the legend. */
  readonly label: string;
}

/** What to draw. */
export interface PlotSpec {
  readonly series: readonly Series[];
  readonly title: string;
  readonly xLabel: string;
  /** Fixed y range; default: the finite values' range, extended to nice ticks. */
  readonly yRange?: readonly [number, number];
  /** Draw a 3 × 3 dot at every value (for short series such as per-epoch accuracies). */
  readonly dots?: boolean;
  /** Draw a legend (default: when there are several series). */
  readonly legend?: boolean;
  /** Corner of the plot area the legend sits in (default top-right). */
  readonly legendAt?: 'top-right' | 'bottom-right';
  /** Image size in pixels (default 640 × 400). */
  readonly width?: number;
  readonly height?: number;
}

/** The first series' colour (matplotlib's blue, as in the recipe's plots). */
export const BLUE: Rgba = [31, 119, 180, 255];
/** The second series' colour (matplotlib's orange). */
export const ORANGE: Rgba = [255, 127, 14, 255];
const GRID: Rgba = [225, 225, 225, 255];
const GRAY: Rgba = [90, 90, 90, 255];

/** Pixel margins around the plot area. */
const MARGIN = { left: 72, right: 24, top: 40, bottom: 56 } as const;
const SCALE = 2;

/** Draws `spec` and returns the image. */
export function linePlot(spec: PlotSpec): Raster {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const r = new Raster(width, height, WHITE);
  const area = {
    x0: MARGIN.left,
    y0: MARGIN.top,
    x1: width - MARGIN.right,
    y1: height - MARGIN.bottom,
  };
  const all = spec.series.flatMap((s) => s.values);
  const n = Math.max(0, ...spec.series.map((s) => s.values.length));
  const xMax = Math.max(1, n - 1);
  const y = spec.yRange
    ? { min: spec.yRange[0], max: spec.yRange[1], ticks: niceTicks(spec.yRange[0], spec.yRange[1], 5) }
    : niceRange(...dataRange(all), 5);
  const [yMin, yMax, yTicks] = [y.min, y.max, y.ticks];
  const xTicks = niceTicks(0, xMax, 6).filter((t) => Number.isInteger(t));
  const px = (x: number) => area.x0 + ((area.x1 - area.x0) * x) / xMax;
  const py = (y: number) => area.y1 - ((area.y1 - area.y0) * (y - yMin)) / (yMax - yMin);

  drawAxes(r, area, xTicks, yTicks, px, py);
  for (const s of spec.series) drawSeries(r, s, px, py, spec.dots === true);
  r.text((width - textWidth(spec.title, SCALE)) / 2, 12, spec.title, BLACK, SCALE);
  r.text((area.x0 + area.x1 - textWidth(spec.xLabel, SCALE)) / 2, height - 22, spec.xLabel, BLACK, SCALE);
  if (all.every((v) => !Number.isFinite(v))) {
    const msg = 'no data';
    r.text((area.x0 + area.x1 - textWidth(msg, SCALE)) / 2, (area.y0 + area.y1) / 2, msg, GRAY, SCALE);
  }
  if (spec.legend ?? spec.series.length > 1) drawLegend(r, spec.series, area, spec.legendAt ?? 'top-right');
  return r;
}

interface Area {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

function drawAxes(
  r: Raster,
  a: Area,
  xTicks: readonly number[],
  yTicks: readonly number[],
  px: (x: number) => number,
  py: (y: number) => number,
): void {
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  for (const t of yTicks) {
    const y = Math.round(py(t));
    if (y < a.y0 || y > a.y1) continue;
    r.line(a.x0, y, a.x1, y, GRID);
    r.line(a.x0 - 5, y, a.x0, y, BLACK);
    const label = tickLabel(t, yStep);
    r.text(a.x0 - 8 - textWidth(label, SCALE), y - textHeight(SCALE) / 2, label, BLACK, SCALE);
  }
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  for (const t of xTicks) {
    const x = Math.round(px(t));
    r.line(x, a.y1, x, a.y1 + 5, BLACK);
    const label = tickLabel(t, xStep);
    r.text(x - textWidth(label, SCALE) / 2, a.y1 + 9, label, BLACK, SCALE);
  }
  r.line(a.x0, a.y0, a.x0, a.y1, BLACK);
  r.line(a.x0, a.y1, a.x1, a.y1, BLACK);
}

function drawSeries(
  r: Raster,
  s: Series,
  px: (x: number) => number,
  py: (y: number) => number,
  dots: boolean,
): void {
  let prev: [number, number] | null = null;
  s.values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      prev = null;
      return;
    }
    const p: [number, number] = [px(i), py(v)];
    if (prev) r.line(prev[0], prev[1], p[0], p[1], s.color, 2);
    else r.fillRect(Math.round(p[0]), Math.round(p[1]), 1, 1, s.color);
    if (dots) r.fillRect(Math.round(p[0]) - 2, Math.round(p[1]) - 2, 5, 5, s.color);
    prev = p;
  });
}

function drawLegend(
  r: Raster,
  series: readonly Series[],
  a: Area,
  corner: 'top-right' | 'bottom-right',
): void {
  const rowHeight = textHeight(SCALE) + 8;
  const labelWidth = Math.max(...series.map((s) => textWidth(s.label, SCALE)));
  const w = 8 + 20 + 8 + labelWidth + 8;
  const h = 8 + rowHeight * series.length;
  const x = a.x1 - w - 8;
  const y = corner === 'top-right' ? a.y0 + 8 : a.y1 - h - 8;
  r.fillRect(x, y, w, h, WHITE);
  r.line(x, y, x + w, y, GRAY);
  r.line(x, y + h, x + w, y + h, GRAY);
  r.line(x, y, x, y + h, GRAY);
  r.line(x + w, y, x + w, y + h, GRAY);
  series.forEach((s, i) => {
    const cy = y + 8 + i * rowHeight;
    r.fillRect(x + 8, cy + textHeight(SCALE) / 2 - 2, 20, 4, s.color);
    r.text(x + 36, cy, s.label, BLACK, SCALE);
  });
}
