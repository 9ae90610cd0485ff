/*
 * The gradpool dashboard: the job list (polled from /api/jobs) and, for the chosen job, live charts fed by
 * its Server-Sent Events stream (/api/jobs/:id/events): loss per step, train/val accuracy per epoch, the
 * search trials (learning rate × regularisation, coloured by validation accuracy) and the first layer's
 * weights (/api/jobs/:id/weights.png, reloaded every epoch).
 * Every piece of text from the server (job names are user input) enters the DOM through textContent,
 * never as markup. `window.__gradpool` exposes the charts and point counts for tests.
 */
'use strict';

(function () {
  /** Milliseconds between refreshes of the job list. */
  const JOBS_POLL_MS = 2000;
  /** Milliseconds between chart redraws while events stream in. */
  const REDRAW_MS = 250;
  /** Loss points kept on the page (the server keeps 5000 per job for late joiners). */
  const MAX_LOSS_POINTS = 20000;
  const TERMINAL = ['FINISHED', 'DIVERGED', 'CANCELLED', 'FAILED'];

  const $ = (id) => document.getElementById(id);
  const setText = (el, value) => {
    el.textContent = value === undefined || value === null ? '' : String(value);
  };
  const pct = (x) => (typeof x === 'number' && isFinite(x) ? (100 * x).toFixed(1) + '%' : '–');
  const jobUrl = (id, rest) => '/api/jobs/' + encodeURIComponent(id) + (rest || '');

  let selectedId = null;
  let selectedJob = null;
  /** The job list as last fetched (the chosen job's row is also patched from its events). */
  let listed = [];
  let source = null;
  let lastStep = -1;
  let weightsVersion = 0;
  /** Set by an epoch event: the next step event (sent once the parameters are readable) reloads the weights. */
  let weightsStale = false;
  /** Trial points keyed by "stage/trial" (or arrival order) so a trial reported twice is drawn once. */
  let trials = new Map();
  const dirty = new Set();
  let redrawTimer = null;

  if (typeof Chart === 'undefined') {
    setText($('connection'), 'Chart.js failed to load (/vendor/chart.umd.js)');
    return;
  }
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  const charts = {
    loss: new Chart($('loss-chart'), {
      type: 'line',
      data: {
        datasets: [{ label: 'loss', data: [], borderColor: '#1f77b4', borderWidth: 1, pointRadius: 0 }],
      },
      options: {
        parsing: false,
        normalized: true,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'iteration' } },
          y: { title: { display: true, text: 'loss' } },
        },
        plugins: { legend: { display: false } },
      },
    }),
    accuracy: new Chart($('accuracy-chart'), {
      type: 'line',
      data: {
        datasets: [
          { label: 'train', data: [], borderColor: '#1f77b4', backgroundColor: '#1f77b4', pointRadius: 3 },
          { label: 'val', data: [], borderColor: '#ff7f0e', backgroundColor: '#ff7f0e', pointRadius: 3 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { min: 0, max: 1, title: { display: true, text: 'accuracy' } },
        },
      },
    }),
    search: new Chart($('search-chart'), {
      type: 'scatter',
      data: { datasets: [{ label: 'trials', data: [], pointRadius: 5, pointBackgroundColor: [] }] },
      options: {
        // Parsed (not `parsing: false`, under which Chart.js takes x to be sorted and ranges the axis from
        // the first and last points).
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'learning rate' } },
          y: { type: 'logarithmic', title: { display: true, text: 'regularisation' } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                'lr ' +
                ctx.raw.x.toExponential(2) +
                ', reg ' +
                ctx.raw.y.toExponential(2) +
                ', val ' +
                pct(ctx.raw.valAcc),
            },
          },
        },
      },
    }),
  };

  function redrawSoon(chart) {
    dirty.add(chart);
    if (redrawTimer !== null) return;
    redrawTimer = setTimeout(() => {
      redrawTimer = null;
      for (const c of dirty) c.update('none');
      dirty.clear();
    }, REDRAW_MS);
  }

  // ---- the job list ----

  async function refreshJobs() {
    try {
      const res = await fetch('/api/jobs', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const body = await res.json();
      renderJobs(body.jobs);
      if (!source) setText($('connection'), 'connected');
    } catch (e) {
      setText($('connection'), 'coordinator unreachable (' + e.message + ')');
    }
  }

  function renderJobs(jobs) {
    listed = jobs;
    const tbody = document.querySelector('#jobs tbody');
    const rows = jobs.map((job) => {
      const tr = document.createElement('tr');
      tr.dataset.jobId = job.id;
      if (job.id === selectedId) tr.classList.add('selected');
      const cells = [
        job.id,
        job.name,
        job.state + (job.waitingForWorkers ? ' (no workers)' : ''),
        job.epoch + ' / ' + job.epochs,
        pct(job.bestValAcc),
      ];
      cells.forEach((value, i) => {
        const td = document.createElement('td');
        setText(td, value);
        if (i === 1) {
          td.className = 'name';
          td.title = job.name;
        }
        if (i === 2) td.className = 'state state-' + job.state;
        tr.appendChild(td);
      });
      tr.addEventListener('click', () => selectJob(job.id));
      return tr;
    });
    tbody.replaceChildren(...rows);
    $('jobs-empty').hidden = jobs.length > 0;
    if (selectedId === null && jobs.length > 0) {
      const fromHash = decodeURIComponent(location.hash.replace(/^#job=/, ''));
      if (jobs.some((j) => j.id === fromHash)) selectJob(fromHash);
    }
  }

  // ---- the chosen job ----

  function selectJob(id) {
    if (source) source.close();
    source = null;
    selectedId = id;
    selectedJob = null;
    history.replaceState(null, '', '#job=' + encodeURIComponent(id));
    for (const tr of document.querySelectorAll('#jobs tbody tr')) {
      tr.classList.toggle('selected', tr.dataset.jobId === id);
    }
    $('job-none').hidden = true;
    $('job-view').hidden = false;
    setText($('job-title'), id);
    setText($('job-status'), 'loading…');
    resetCharts();
    const es = new EventSource(jobUrl(id, '/events'));
    source = es;
    const on = (name, fn) =>
      es.addEventListener(name, (ev) => {
        if (source === es) fn(JSON.parse(ev.data));
      });
    es.onopen = () => setText($('connection'), 'live');
    es.onerror = () => {
      if (source === es) setText($('connection'), 'reconnecting…');
    };
    on('snapshot', onSnapshot);
    on('step', (e) => addStep(e.iteration, e.cost));
    on('epoch', (e) => onEpoch(e.epoch));
    on('state', (e) => updateJob({ state: e.state }));
    on('hint', (e) => showMessage(e.message));
    on('trial', (e) => addTrial(e));
    on('done', (e) => {
      updateJob({ state: e.done.state, bestValAcc: e.done.bestValAcc, message: e.done.message });
      refreshWeights();
      es.close();
      setText($('connection'), 'job ended');
    });
    on('failure', (e) => showMessage(e.message));
  }

  function resetCharts() {
    lastStep = -1;
    trials = new Map();
    charts.loss.data.datasets[0].data = [];
    charts.accuracy.data.datasets[0].data = [];
    charts.accuracy.data.datasets[1].data = [];
    charts.search.data.datasets[0].data = [];
    charts.search.data.datasets[0].pointBackgroundColor = [];
    for (const c of Object.values(charts)) c.update('none');
    $('weights').hidden = true;
    $('weights').removeAttribute('src');
    $('weights-empty').hidden = false;
    setText($('weights-empty'), 'No parameters yet.');
    setText($('weights-note'), '');
    setText($('search-scale'), '');
    $('job-message').hidden = true;
  }

  function onSnapshot(detail) {
    resetCharts();
    selectedJob = detail.job;
    renderJobHeader();
    const loss = charts.loss.data.datasets[0].data;
    for (const p of detail.history.steps) loss.push({ x: p.iteration, y: p.cost });
    lastStep = loss.length > 0 ? loss[loss.length - 1].x : -1;
    for (const e of detail.history.epochs) addEpochPoint(e);
    for (const t of detail.history.trials) addTrial(t, true);
    renderSearch();
    renderOverlays();
    for (const c of Object.values(charts)) c.update('none');
    if (detail.job.iteration > 0) refreshWeights();
  }

  /** Says why a chart is empty: a search job trains nothing itself, other jobs have not got there yet. */
  function renderOverlays() {
    const search = selectedJob && selectedJob.search;
    const trialsNote =
      'A search trains its trials as jobs of their own: choose one in the list for its curves.';
    for (const [name, chart, wait] of [
      ['loss', charts.loss, 'No steps yet.'],
      ['accuracy', charts.accuracy, 'No epochs yet.'],
    ]) {
      const empty = chart.data.datasets.every((d) => d.data.length === 0);
      const note = $(name + '-empty');
      setText(note, search ? trialsNote : wait);
      note.hidden = !empty;
      chart.canvas.style.visibility = empty ? 'hidden' : 'visible';
    }
    if (search) setText($('weights-empty'), 'A search has no parameters of its own: see its trials.');
  }

  function addStep(iteration, cost) {
    const data = charts.loss.data.datasets[0].data;
    // A job resumed from an older checkpoint repeats iterations: drop the ones it redoes.
    while (data.length > 0 && data[data.length - 1].x >= iteration) data.pop();
    data.push({ x: iteration, y: cost });
    if (data.length > MAX_LOSS_POINTS) data.splice(0, data.length - MAX_LOSS_POINTS);
    lastStep = iteration;
    redrawSoon(charts.loss);
    if (data.length === 1) renderOverlays();
    if (weightsStale) refreshWeights();
  }

  function addEpochPoint(e) {
    const [train, val] = charts.accuracy.data.datasets;
    for (const [ds, y] of [
      [train, e.trainAcc],
      [val, e.valAcc],
    ]) {
      const i = ds.data.findIndex((p) => p.x === e.epoch);
      if (i >= 0) ds.data.splice(i);
      ds.data.push({ x: e.epoch, y });
    }
  }

  function onEpoch(e) {
    addEpochPoint(e);
    renderOverlays();
    redrawSoon(charts.accuracy);
    if (selectedJob) {
      updateJob({ epoch: e.epoch, bestValAcc: Math.max(selectedJob.bestValAcc, e.valAcc) });
    }
    weightsStale = true;
  }

  function updateJob(patch) {
    if (!selectedJob) return;
    selectedJob = Object.assign({}, selectedJob, patch);
    renderJobHeader();
    const id = selectedJob.id;
    if (listed.some((j) => j.id === id)) {
      renderJobs(listed.map((j) => (j.id === id ? Object.assign({}, j, patch) : j)));
    }
    if (patch.state && TERMINAL.includes(patch.state)) refreshWeights();
  }

  function renderJobHeader() {
    const j = selectedJob;
    setText($('job-title'), j.name + ' (' + j.id + ')');
    const parts = [j.state, 'epoch ' + j.epoch + ' / ' + j.epochs, 'best val ' + pct(j.bestValAcc)];
    if (j.waitingForWorkers) parts.push('waiting for workers');
    setText($('job-status'), parts.join(' · '));
    if (j.message) showMessage(j.message);
  }

  function showMessage(message) {
    const el = $('job-message');
    setText(el, message);
    el.hidden = !message;
  }

  function refreshWeights() {
    if (selectedId === null || (selectedJob && selectedJob.search)) return;
    const id = selectedId;
    const img = $('weights');
    const version = ++weightsVersion;
    weightsStale = false;
    const next = new Image();
    next.onload = () => {
      if (version !== weightsVersion || id !== selectedId) return;
      img.src = next.src;
      img.hidden = false;
      $('weights-empty').hidden = true;
      img.style.width = next.naturalWidth / (window.devicePixelRatio || 1) + 'px';
      setText($('weights-note'), next.naturalWidth + ' × ' + next.naturalHeight + ' px');
    };
    // Drawn to fit the box's width at whole-pixel scale (the box grows to its height): shrinking it in the
    // browser would blur its 1-pixel gaps away.
    const box = img.parentElement;
    const side = Math.floor(Math.min(box.clientWidth, 640) * (window.devicePixelRatio || 1));
    const fit = side >= 16 ? '&maxSide=' + Math.min(4096, side) : '';
    next.src = jobUrl(id, '/weights.png?v=' + version + fit);
  }

  // ---- search trials ----

  /** lr, reg and validation accuracy of a trial event, whatever nesting it uses. */
  function trialPoint(t) {
    const body = t && typeof t.trial === 'object' && t.trial !== null ? t.trial : t || {};
    const values = typeof body.values === 'object' && body.values !== null ? body.values : body;
    const num = (...xs) => xs.find((x) => typeof x === 'number' && isFinite(x));
    return {
      x: num(values.learningRate, values.lr),
      y: num(values.reg, values.l2),
      valAcc: num(body.valAcc, body.bestValAcc, t.valAcc),
      key: body.stage !== undefined || body.trial !== undefined ? body.stage + '/' + body.trial : null,
    };
  }

  function addTrial(t, quiet) {
    const p = trialPoint(t);
    if (!(p.x > 0 && p.y > 0)) return; // log axes: nothing to place
    trials.set(p.key === null ? 'n' + trials.size : p.key, { x: p.x, y: p.y, valAcc: p.valAcc });
    if (!quiet) renderSearch();
  }

  function renderSearch() {
    const points = [...trials.values()];
    const empty = $('search-empty');
    const canvas = $('search-chart');
    if (points.length === 0) {
      const isSearch = selectedJob && selectedJob.search;
      setText(empty, isSearch ? 'No trials yet.' : 'Not a search job: no trials to plot.');
      empty.hidden = false;
      canvas.style.visibility = 'hidden';
      return;
    }
    empty.hidden = true;
    canvas.style.visibility = 'visible';
    const accs = points.map((p) => p.valAcc).filter((a) => typeof a === 'number');
    const lo = accs.length ? Math.min(...accs) : 0;
    const hi = accs.length ? Math.max(...accs) : 1;
    const ds = charts.search.data.datasets[0];
    ds.data = points;
    ds.pointBackgroundColor = points.map((p) =>
      typeof p.valAcc === 'number' ? viridis(hi > lo ? (p.valAcc - lo) / (hi - lo) : 1) : '#999',
    );
    setText($('search-scale'), '(colour: val acc ' + pct(lo) + ' dark → ' + pct(hi) + ' yellow)');
    redrawSoon(charts.search);
  }

  /** The viridis colour map at t ∈ [0, 1], interpolated between five anchors. */
  function viridis(t) {
    const stops = [
      [68, 1, 84],
      [59, 82, 139],
      [33, 145, 140],
      [94, 201, 98],
      [253, 231, 37],
    ];
    const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(u));
    const f = u - i;
    const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)));
    return 'rgb(' + c.join(',') + ')';
  }

  window.__gradpool = {
    charts,
    selectJob,
    get selectedId() {
      return selectedId;
    },
    lossPoints: () => charts.loss.data.datasets[0].data.length,
    accuracyPoints: () => charts.accuracy.data.datasets[1].data.length,
    trialPoints: () => charts.search.data.datasets[0].data.length,
  };

  refreshJobs();
  setInterval(refreshJobs, JOBS_POLL_MS);
})();
