/**
 * The live dashboard as a person sees it: a real coordinator process with --http-port 0 and a real worker
 * process, a job long enough to watch, and the page opened in headless Debian Chromium through
 * playwright-core. The loss chart must gain points while the job runs (read twice from the Chart.js
 * dataset through window.__gradpool), the accuracy chart must have a point, the weights image must load,
 * and a job name full of markup must show as text. Set GP_DASHBOARD_SCREENSHOT=docs/dashboard.png to
 * refresh the screenshot in the docs.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Cluster, sleep } from '../helpers/cluster';

/** Debian's chromium package (.ci/run installs it); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
/** Flags for a headless Chromium on a machine without a network or a GPU (Playwright adds a fresh profile). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A two-layer MLP on 2000 digits: 36 updates per epoch, long enough to watch (it is cancelled at the end). */
function dashboardSpec(name: string): object {
  return {
    name,
    data: { subset: 2000, split: { val: 0.1, test: 0.1 } },
    model: { input: [784], layers: [{ affine: 32 }, 'relu', { affine: 10 }], loss: 'softmax', init: 'he' },
    train: { epochs: 30, batchSize: 50, shards: 4, seed: 5, learningRate: 0.05, update: 'momentum' },
  };
}

/** Evaluates `expression` in the page (a string, so no DOM types are needed here). */
function evaluate<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/**
 * Polls `expression` until it is truthy in the page, or fails naming `what`. (Not waitForFunction: that
 * evaluates strings with eval inside the page, which the page's Content-Security-Policy rightly refuses.)
 */
async function waitInPage(page: Page, what: string, expression: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await evaluate<unknown>(page, expression)) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= end) {
      throw new Error(
        `page: timed out after ${timeoutMs} ms waiting for ${what} (${expression}); last error: ${String(last)}`,
      );
    }
    await sleep(100);
  }
}

describe('live dashboard in headless Chromium', function () {
  this.timeout(180_000);
  let cluster: Cluster;
  let browser: Browser | null = null;
  let shots: string;

  before(function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`);
      this.skip();
    }
  });

  beforeEach(() => {
    cluster = new Cluster();
    shots = mkdtempSync(join(tmpdir(), 'gp-e2e-shots-'));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.tails());
    await browser?.close();
    browser = null;
    await cluster.cleanup();
    rmSync(shots, { recursive: true, force: true });
  });

  it('shows a running job live: the loss chart gains points, accuracy and weights appear, the name stays text', async () => {
    const started = Date.now();
    const coordinator = await cluster.startCoordinator({ httpPort: 0 });
    const url = coordinator.dashboardUrl ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'the coordinator printed no dashboard address');
    await cluster.startWorkers(['w1']);
    const name = '<img src=x onerror="window.__xss=1"> digits & "friends"';
    const jobId = await cluster.submit(dashboardSpec(name), 'dashboard');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 960 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(url);
    await page.click(`tr[data-job-id="${jobId}"]`, { timeout: 15_000 });
    await waitInPage(page, 'the first loss points', 'window.__gradpool.lossPoints() > 0');

    // Two moments while the job runs: the second must show strictly more points, pushed by SSE.
    const first = await evaluate<number>(page, 'window.__gradpool.lossPoints()');
    const running = await cluster.client().getJob(jobId);
    assert.equal(
      running.state,
      'RUNNING',
      `the job ended before the second look (iteration ${running.iteration})`,
    );
    await sleep(1500);
    await waitInPage(page, `more than ${first} loss points`, `window.__gradpool.lossPoints() > ${first}`);
    const second = await evaluate<number>(page, 'window.__gradpool.lossPoints()');
    assert.ok(second > first, `loss points: ${first}, then ${second}`);

    await waitInPage(page, 'an accuracy point', 'window.__gradpool.accuracyPoints() >= 1');
    await waitInPage(
      page,
      'the weights image',
      "(() => { const i = document.getElementById('weights'); return !i.hidden && i.complete && i.naturalWidth > 0; })()",
    );
    const weightsWidth = await evaluate<number>(page, "document.getElementById('weights').naturalWidth");
    assert.ok(weightsWidth > 0);

    // The job name is user input: it shows as text, and no element or script came from it.
    const cell = await evaluate<string>(
      page,
      `document.querySelector('tr[data-job-id="${jobId}"] td.name').textContent`,
    );
    assert.equal(cell, name);
    assert.match(
      await evaluate<string>(page, "document.getElementById('job-title').textContent"),
      /<img src=x/,
    );
    assert.equal(await evaluate<number>(page, "document.querySelectorAll('main img').length"), 1);
    assert.equal(await evaluate<unknown>(page, 'window.__xss'), undefined);
    // Charts with points carry no "empty" note; a plain job's scatter says why it is empty.
    for (const id of ['loss-empty', 'accuracy-empty']) {
      assert.equal(
        await evaluate<boolean>(
          page,
          `getComputedStyle(document.getElementById('${id}')).display === 'none'`,
        ),
        true,
        id,
      );
    }
    assert.match(
      await evaluate<string>(page, "document.getElementById('search-empty').textContent"),
      /Not a search job/,
    );

    // A screenshot mid-training, after a second epoch so that both curves have a shape.
    await waitInPage(page, 'a second accuracy point', 'window.__gradpool.accuracyPoints() >= 3', 60_000);
    await sleep(600); // one chart redraw (250 ms) and a weights reload
    const shot = join(shots, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'the screenshot is not a PNG');
    const target = process.env.GP_DASHBOARD_SCREENSHOT;
    if (target) await page.screenshot({ path: resolve(target), fullPage: true });
    const job = await cluster.client().getJob(jobId);
    assert.equal(job.state, 'RUNNING', 'the screenshot should show a job mid-training');
    assert.deepEqual(pageErrors, []);

    await cluster.client().cancelJob(jobId);
    console.log(`      (dashboard e2e: ${first} → ${second} loss points, ${Date.now() - started} ms)`);
  });
});
