/**
 * The dashboard's HTTP API on a real coordinator (httpPort 0) with an in-process worker: static files and
 * their headers, JSON routes and their errors, the Server-Sent Events stream (a snapshot, then every step
 * once, epochs and the end), the history a late joiner gets, the weights picture, and close() ending
 * open streams.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend/select';
import { Coordinator } from '../../src/coordinator/coordinator';
import { silentLogger } from '../../src/shared/log';
import { Worker } from '../../src/worker/worker';

const SPEC = {
  name: 'dash <script>alert(1)</script>',
  data: { subset: 400, split: { val: 0.05, test: 0.05 } },
  model: { input: [784], layers: [{ affine: 16 }, 'relu', { affine: 10 }], loss: 'softmax' },
  train: { epochs: 2, batchSize: 50, learningRate: 0.05, update: 'momentum', seed: 4, shards: 2 },
};

/** One response: status, headers, body. */
interface Got {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function request(url: string, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const json = (g: Got): Record<string, unknown> =>
  JSON.parse(g.body.toString('utf8')) as Record<string, unknown>;

/** An SSE client that keeps every event it receives. */
class SseReader {
  readonly events: { event: string; data: Record<string, unknown> }[] = [];
  ended = false;
  private readonly req: http.ClientRequest;
  private buffer = '';

  constructor(url: string) {
    this.req = http.get(url, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      res.setEncoding('utf8');
      res.on('data', (d: string) => this.feed(d));
      res.on('end', () => (this.ended = true));
      res.on('close', () => (this.ended = true));
    });
    this.req.on('error', () => (this.ended = true));
  }

  /** Resolves when `pred` holds (polling), or rejects after `timeoutMs`. */
  async until(what: string, pred: () => boolean, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${this.names().join(',')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  names(): string[] {
    return this.events.map((e) => e.event);
  }

  close(): void {
    this.req.destroy();
  }

  private feed(d: string): void {
    this.buffer += d;
    for (let i = this.buffer.indexOf('\n\n'); i >= 0; i = this.buffer.indexOf('\n\n')) {
      const frame = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
}

describe('dashboard HTTP API', function () {
  this.timeout(60_000);
  let dir: string;
  let coordinator: Coordinator;
  let base: string;
  let worker: Worker | null;
  const readers: SseReader[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-dash-'));
    coordinator = new Coordinator({ dataDir: dir, httpPort: 0, shutdownGraceMs: 500, log: silentLogger });
    const port = await coordinator.start(0);
    base = coordinator.dashboardUrl ?? '';
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    worker = new Worker(
      `127.0.0.1:${port}`,
      { workerId: 'w', backendName: 'gpujs-cpu', threads: 1, heartbeatMs: 500 },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
    );
    await worker.start();
  });

  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await worker?.close();
    await coordinator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page, its script, its style and Chart.js, with a restrictive CSP on the page', async () => {
    const page = await request(base);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.match(page.body.toString(), /<canvas id="loss-chart">/);
    for (const [p, type] of [
      ['app.js', /javascript/],
      ['style.css', /css/],
      ['vendor/chart.umd.js', /javascript/],
    ] as const) {
      const g = await request(base + p);
      assert.equal(g.status, 200, p);
      assert.match(String(g.headers['content-type']), type, p);
      assert.ok(g.body.length > 100, p);
    }
    assert.match((await request(base + 'vendor/chart.umd.js')).body.toString(), /Chart/);
  });

  it('answers unknown pages, jobs and methods with JSON errors', async () => {
    assert.deepEqual(json(await request(base + 'api/jobs')), { jobs: [] });
    for (const p of ['nope', 'api/jobs/j-999999', 'api/jobs/j-999999/events', 'api/jobs/..%2F..%2Fetc']) {
      const g = await request(base + p);
      assert.equal(g.status, 404, p);
      assert.equal(json(g).error, 'E_NOT_FOUND', p);
    }
    assert.equal((await request(base + 'api/jobs/%E0%A4%A')).status, 400);
    const post = await request(base + 'api/jobs', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('streams a snapshot, then every step once, the epochs and the end; late joiners get the whole history', async () => {
    const { job } = await coordinator.submit(JSON.stringify(SPEC), 'dash');
    const iterations = job.totalIterations;
    assert.ok(iterations >= 10, `only ${iterations} iterations`);
    const live = new SseReader(`${base}api/jobs/${job.id}/events`);
    readers.push(live);
    await live.until('done', () => live.names().includes('done'));
    assert.equal(live.events[0].event, 'snapshot');

    // Steps: the snapshot's and the live ones together cover every iteration; the live ones increase.
    const snapshot = live.events[0].data as { history: { steps: { iteration: number }[] } };
    const liveSteps = live.events.filter((e) => e.event === 'step').map((e) => Number(e.data.iteration));
    for (let i = 1; i < liveSteps.length; i++)
      assert.ok(liveSteps[i] > liveSteps[i - 1], liveSteps.join(','));
    const seen = new Set([...snapshot.history.steps.map((s) => s.iteration), ...liveSteps]);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: iterations }, (_, i) => i),
    );
    assert.ok(live.names().filter((n) => n === 'epoch').length >= 1);
    assert.ok(live.names().includes('state'));

    // A late joiner, after the end: the whole history in one document.
    const detail = json(await request(`${base}api/jobs/${job.id}`)) as {
      job: { name: string; state: string; search: boolean; spec: { name: string } };
      history: { steps: { iteration: number; cost: number }[]; epochs: unknown[]; trials: unknown[] };
    };
    assert.equal(detail.job.state, 'FINISHED');
    assert.equal(detail.job.name, SPEC.name); // JSON carries names as they are; the page escapes them
    assert.equal(detail.job.spec.name, SPEC.name);
    assert.equal(detail.job.search, false);
    assert.equal(detail.history.steps.length, iterations);
    assert.ok(detail.history.steps.every((s, i) => s.iteration === i && Number.isFinite(s.cost)));
    assert.equal(detail.history.epochs.length, 3); // iteration 0 and two epoch ends
    assert.deepEqual(detail.history.trials, []);
    const list = json(await request(base + 'api/jobs')) as { jobs: { id: string; state: string }[] };
    assert.deepEqual(
      list.jobs.map((j) => [j.id, j.state]),
      [[job.id, 'FINISHED']],
    );

    // The first layer's weights (16 units of 28 × 28), final and best.
    for (const q of ['', '?params=current', '?params=best']) {
      const png = await request(`${base}api/jobs/${job.id}/weights.png${q}`);
      assert.equal(png.status, 200, q);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.deepEqual([...png.body.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], q);
    }
    assert.equal((await request(`${base}api/jobs/${job.id}/weights.png?params=worst`)).status, 400);
    // Fitted to a box: 16 tiles of 28 × 28 in 4 columns, at whole-pixel scale within 200 pixels.
    const big = await request(`${base}api/jobs/${job.id}/weights.png`);
    const small = await request(`${base}api/jobs/${job.id}/weights.png?maxSide=200`);
    const width = (g: Got) => g.body.readUInt32BE(16);
    assert.ok(width(big) > 200, `default width ${width(big)}`);
    assert.equal(width(small), 4 * 28 + 5);
    for (const bad of ['5', '1e3', 'x', '99999']) {
      assert.equal((await request(`${base}api/jobs/${job.id}/weights.png?maxSide=${bad}`)).status, 400, bad);
    }
  });

  it('has no weights before the first update, and close() ends open event streams', async () => {
    await worker!.close();
    worker = null; // no worker: the job waits at iteration 0
    const { job } = await coordinator.submit(JSON.stringify(SPEC), 'waiting');
    const png = await request(`${base}api/jobs/${job.id}/weights.png`);
    assert.equal(png.status, 404);
    assert.match(String(json(png).message), /no parameters yet/);
    const reader = new SseReader(`${base}api/jobs/${job.id}/events`);
    readers.push(reader);
    await reader.until('the snapshot', () => reader.names().includes('snapshot'));
    const started = Date.now();
    await coordinator.close();
    await reader.until('the stream to end', () => reader.ended, 5000);
    assert.ok(Date.now() - started < 5000);
    coordinator = new Coordinator({ dataDir: dir, log: silentLogger }); // afterEach closes this unstarted one
  });
});
