/**
 * The live dashboard's HTTP server (node:http, GET and HEAD only):
 *   /                          the page (dashboard/index.html, with app.js and style.css beside it)
 *   /vendor/chart.umd.js       Chart.js
 *   /api/jobs                  JSON: every job's summary, newest first
 *   /api/jobs/:id              JSON: the job (with its spec) and its history (steps, epochs, trials)
 *   /api/jobs/:id/events       Server-Sent Events: `snapshot` (as /api/jobs/:id) first, then the job's live
 *                              events, each named by its type (step, epoch, state, hint, done, trial …)
 *   /api/jobs/:id/weights.png  the first layer's weights as a grid; ?params=best for the best parameters,
 *                              ?maxSide=N to keep it within N pixels a side (whole-pixel scaling allowing)
 *   /metrics                   Prometheus metrics, when the coordinator passes `metrics` (see ../metrics.ts)
 * Errors are JSON `{ "error": code, "message": … }` with 400, 404, 405 or 500.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GradpoolError } from '../../shared/errors';
import { silentLogger, type Logger } from '../../shared/log';
import type { JobEventBody } from '../job-events';
import type { DashboardSource } from './dashboard-data';
import { SseStream, type SseOptions } from './sse';
import { dashboardAssets, type StaticAssets } from './static-assets';

/** Options of the dashboard server. */
export interface DashboardServerOptions {
  /** The static files (default: dashboardAssets()). */
  readonly assets?: StaticAssets;
  readonly log?: Logger;
  readonly sse?: SseOptions;
  /** Serves GET /metrics with this scrape, when given. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
}

const JOB_ROUTE = /^\/api\/jobs\/([^/]+)(?:\/(events|weights\.png))?$/;
/** Job ids as the job store makes them, with room to spare; anything else is not a job. */
const JOB_ID = /^[\w.-]{1,64}$/;

/** Only scripts, styles and images of this origin; nothing may frame the page. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
};

/** The dashboard server. */
export class DashboardServer {
  private server: http.Server | null = null;
  private readonly streams = new Set<SseStream>();
  private readonly assets: StaticAssets;
  private readonly log: Logger;
  private host = '127.0.0.1';
  private port = 0;

  constructor(
    private readonly source: DashboardSource,
    private readonly options: DashboardServerOptions = {},
  ) {
    this.assets = options.assets ?? dashboardAssets();
    this.log = options.log ?? silentLogger;
  }

  /** Listens on host:port (0 = any free port); resolves with the bound port. */
  async start(port: number, host = '127.0.0.1'): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.fail(res, e));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(
          new GradpoolError('E_UNAVAILABLE', `cannot serve the dashboard on ${host}:${port}: ${e.message}`),
        ),
      );
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this.log('error', 'dashboard server error', { error: String(e) }));
        resolve();
      });
    });
    this.server = server;
    this.host = host;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** The page's address, e.g. http://127.0.0.1:8080/. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${this.port}/`;
  }

  /** Ends every event stream and stops the server. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of [...this.streams]) s.close();
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.json(res, 405, { error: 'E_BAD_ARGS', message: `${req.method} is not allowed; use GET` });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const asset = this.assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
    if (asset) {
      const body = await fs.promises.readFile(asset.file);
      res.writeHead(200, {
        'Content-Type': asset.contentType,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        ...(url.pathname === '/' ? PAGE_HEADERS : {}),
      });
      res.end(body);
      return;
    }
    if (url.pathname === '/metrics' && this.options.metrics) {
      const { contentType, body } = await this.options.metrics();
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    if (url.pathname === '/api/jobs') return this.json(res, 200, { jobs: this.source.listJobs() });
    const m = JOB_ROUTE.exec(url.pathname);
    if (!m) return this.json(res, 404, { error: 'E_NOT_FOUND', message: `no page ${url.pathname}` });
    let id: string;
    try {
      id = decodeURIComponent(m[1]);
    } catch {
      return this.json(res, 400, { error: 'E_BAD_ARGS', message: 'the job id is not valid URL encoding' });
    }
    if (!JOB_ID.test(id)) throw new GradpoolError('E_NOT_FOUND', `no job "${id}"`);
    if (m[2] === 'events') return this.events(req, res, id);
    if (m[2] === 'weights.png') return this.weights(res, id, url.searchParams);
    return this.json(res, 200, await this.source.detail(id));
  }

  /** The job's event stream: a snapshot, then live events (those that raced the snapshot come after it). */
  private async events(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    this.source.summary(id); // 404 before the stream starts
    const stream = new SseStream(res, this.options.sse);
    this.streams.add(stream);
    let early: JobEventBody[] | null = [];
    const unsubscribe = this.source.subscribe(id, (e) => (early ? early.push(e) : stream.send(e.type, e)));
    const end = () => {
      unsubscribe();
      stream.close();
      this.streams.delete(stream);
    };
    req.on('close', end);
    try {
      const detail = await this.source.detail(id);
      stream.send('snapshot', detail);
      const pending = early;
      early = null;
      for (const e of pending) stream.send(e.type, e);
    } catch (e) {
      stream.send('failure', {
        error: e instanceof GradpoolError ? e.code : 'E_INTERNAL',
        message: String(e),
      });
      end();
    }
  }

  private async weights(res: http.ServerResponse, id: string, query: URLSearchParams): Promise<void> {
    const which = query.get('params');
    if (which !== null && which !== 'current' && which !== 'best') {
      return this.json(res, 400, {
        error: 'E_BAD_ARGS',
        message: `params must be current or best, got "${which.slice(0, 40)}"`,
      });
    }
    const side = query.get('maxSide');
    const maxSide = side === null ? undefined : Number(side);
    if (maxSide !== undefined && !(/^\d+$/.test(side ?? '') && maxSide >= 16 && maxSide <= 4096)) {
      return this.json(res, 400, {
        error: 'E_BAD_ARGS',
        message: `maxSide must be an integer in [16, 4096], got "${String(side).slice(0, 40)}"`,
      });
    }
    const picture = await this.source.weightsPng(id, which === 'best' ? 'best' : 'current', maxSide);
    if (!picture) {
      return this.json(res, 404, { error: 'E_NOT_FOUND', message: `job "${id}" has no parameters yet` });
    }
    res.writeHead(200, {
      'Content-Type': 'image/png',
      'Content-Length': picture.png.length,
      'Cache-Control': 'no-store',
      'X-Gradpool-Iteration': String(picture.iteration),
    });
    res.end(picture.png);
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(text);
  }

  private fail(res: http.ServerResponse, e: unknown): void {
    const known = e instanceof GradpoolError;
    const status = known && e.code === 'E_NOT_FOUND' ? 404 : 500;
    if (status === 500) this.log('error', 'dashboard request failed', { error: String(e) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.json(res, status, {
      error: known ? e.code : 'E_INTERNAL',
      message: (e as Error).message ?? String(e),
    });
  }
}
