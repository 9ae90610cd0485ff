/**
 * The dashboard's static files: the page and its script and style from `<package root>/dashboard/` (kept
 * as plain files, not compiled, so the same paths serve from src/ and dist/), and Chart.js's UMD build from
 * node_modules. Only these fixed names are served: no URL path ever reaches the file system.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GradpoolError } from '../../shared/errors';

/** A static file: where it is and its media type. */
export interface StaticAsset {
  readonly file: string;
  readonly contentType: string;
}

/** URL path → file. */
export type StaticAssets = ReadonlyMap<string, StaticAsset>;

/** The nearest directory above `from` whose package.json names `gradpool` (works from src/ and dist/). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (name === 'gradpool') return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new GradpoolError('E_INTERNAL', `cannot find the gradpool package root above ${from}`);
    }
  }
}

/** Chart.js's UMD bundle (the package exports only its module builds, so it is found beside those). */
export function chartJsFile(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
}

/** The dashboard's files: `/` (index.html), `/app.js`, `/style.css`, `/vendor/chart.umd.js`. */
export function dashboardAssets(
  dashboardDir: string = path.join(packageRoot(), 'dashboard'),
  chartJs: string = chartJsFile(),
): StaticAssets {
  const js = 'text/javascript; charset=utf-8';
  return new Map([
    ['/', { file: path.join(dashboardDir, 'index.html'), contentType: 'text/html; charset=utf-8' }],
    ['/app.js', { file: path.join(dashboardDir, 'app.js'), contentType: js }],
    ['/style.css', { file: path.join(dashboardDir, 'style.css'), contentType: 'text/css; charset=utf-8' }],
    ['/vendor/chart.umd.js', { file: chartJs, contentType: js }],
  ]);
}
