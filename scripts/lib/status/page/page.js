// The status page: asks the server for /status.json every few seconds and draws it. Every figure it
// shows from the JSON carries data-figure="<path in the JSON>", so a test can hold the page to --json.
/* global uPlot */
(function () {
  'use strict';
  const refreshMs = Math.max(1, Number(document.body.dataset.refreshSeconds) || 10) * 1000;
  const COLORS = { callable: '#2563eb', bridge: '#dc2626', backfill: '#16a34a' };
  const OTHER_COLORS = ['#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c'];
  const SYMBOL = { done: '✔', attention: '✘', waiting: '…' };
  // What tests and curious engineers can look at from the console.
  const state = { status: null, refreshes: 0, charts: { sessions: null, outbox: null } };
  window.statusPage = state;

  const $ = (id) => document.getElementById(id);
  const number = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : v === null || v === undefined ? '—' : String(v));
  const at = (obj, path) => path.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
  const el = (tag, props, children) => {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children || []) e.append(c);
    return e;
  };
  const ago = (iso, nowIso) => {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(iso)) / 1000));
    const text = s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} days`;
    return `(${text} ago)`;
  };
  const colorOf = (source, i) => COLORS[source] || OTHER_COLORS[i % OTHER_COLORS.length];
  const width = (node) => Math.max(320, Math.floor(node.getBoundingClientRect().width) || 800);

  function renderFigures(status) {
    for (const node of document.querySelectorAll('[data-figure]')) node.textContent = number(at(status, node.dataset.figure));
    for (const node of document.querySelectorAll('[data-age]')) node.textContent = ago(at(status, node.dataset.age), status.at);
  }

  function renderSteps(status) {
    $('steps').replaceChildren(
      ...status.steps.map((step) =>
        el('li', { className: step.state, title: step.state }, [
          el('span', { className: 'symbol', textContent: SYMBOL[step.state] }),
          el('span', { className: 'title', textContent: `${step.step}. ${step.title}` }),
          el('span', { className: 'figures' }, step.figures.map((f) => el('div', { textContent: f }))),
        ]),
      ),
    );
  }

  function renderSessions(sessions) {
    if (!sessions) return;
    $('sessions-table').replaceChildren(
      ...sessions.sources.map((source) => {
        const row = el('tr', {}, [
          el('td', { textContent: source }),
          el('td', { className: 'number' }),
          el('td', { className: 'number' }),
          el('td', { textContent: sessions.lastHour[source] || '—' }),
        ]);
        row.children[1].dataset.figure = `sessions.bySource.${source}`;
        row.children[2].dataset.figure = `sessions.last24h.${source}`;
        return row;
      }),
    );
    // One point per hour: x is the hour's start in seconds, one series per source.
    const data = [sessions.hourly.map((h) => Date.parse(h.hour) / 1000), ...sessions.sources.map((s) => sessions.hourly.map((h) => h[s]))];
    const key = sessions.sources.join(',');
    const node = $('sessions-chart');
    if (state.charts.sessions && state.charts.sessions.sourcesKey === key) return state.charts.sessions.setData(data);
    if (state.charts.sessions) state.charts.sessions.destroy();
    state.charts.sessions = new uPlot(
      {
        width: width(node),
        height: 260,
        scales: { x: { time: true } },
        series: [{}, ...sessions.sources.map((s, i) => ({ label: s, stroke: colorOf(s, i), width: 1.5, points: { show: false } }))],
        axes: [{}, { label: 'sessions / hour', size: 60 }],
      },
      data,
      node,
    );
    state.charts.sessions.sourcesKey = key;
  }

  function renderOutbox(outbox) {
    if (!outbox) return;
    const data = [outbox.history.map((p) => Date.parse(p.at) / 1000), outbox.history.map((p) => p.pending)];
    const node = $('outbox-chart');
    if (state.charts.outbox) return state.charts.outbox.setData(data);
    state.charts.outbox = new uPlot(
      {
        width: width(node),
        height: 180,
        scales: { x: { time: true } },
        series: [{}, { label: 'pending', stroke: '#f59e0b', fill: 'rgba(245, 158, 11, 0.15)', width: 1.5 }],
        axes: [{}, { size: 50 }],
      },
      data,
      node,
    );
  }

  function renderRejects(rejects) {
    if (!rejects) return;
    const entries = Object.entries(rejects.last24h);
    const max = Math.max(1, ...entries.map(([, n]) => n));
    $('rejects-table').replaceChildren(
      ...(entries.length === 0
        ? [el('tr', {}, [el('td', { textContent: 'none in the last 24 h' })])]
        : entries.map(([reason, n]) => {
            const bar = el('span', { className: 'bar' });
            bar.style.width = `${Math.round((n / max) * 200)}px`;
            const count = el('td', { className: 'number' });
            count.dataset.figure = `rejects.last24h.${reason}`;
            return el('tr', {}, [el('td', { textContent: reason }), el('td', {}, [bar]), count]);
          })),
    );
  }

  function renderAdjustments(adjustments) {
    if (!adjustments) return;
    $('adjustments-table').replaceChildren(
      ...(adjustments.byReason.length === 0
        ? [el('tr', {}, [el('td', { textContent: 'none recorded' })])]
        : adjustments.byReason.map((r, i) => {
            const count = el('td', { className: 'number' });
            count.dataset.figure = `adjustments.byReason.${i}.adjustments`;
            const users = el('td', { className: 'number' });
            users.dataset.figure = `adjustments.byReason.${i}.users`;
            return el('tr', {}, [el('td', { textContent: r.kind }), el('td', { textContent: r.reason }), count, users]);
          })),
    );
  }

  function renderRuns(backfill) {
    if (!backfill) return;
    $('runs-table').replaceChildren(
      ...(backfill.runs.length === 0
        ? [el('tr', {}, [el('td', { textContent: 'no backfill run yet' })])]
        : backfill.runs.map((run, i) => {
            const progress = el('progress', { max: 1 });
            if (run.progress !== null) progress.value = run.progress;
            const figure = (key) => {
              const td = el('td', { className: 'number' });
              td.dataset.figure = `backfill.runs.${i}.counts.${key}`;
              return td;
            };
            const status = el('td', { className: run.stalled ? 'stalled' : '', textContent: run.stalled ? 'stalled' : run.status });
            if (!run.stalled) status.dataset.figure = `backfill.runs.${i}.status`;
            const label = run.progress === null ? run.phase : `${Math.floor(run.progress * 100)}% ${run.phase}`;
            return el('tr', { className: run.status }, [
              el('td', { textContent: run.id + (run.since ? ' (catch-up)' : '') }),
              el('td', { textContent: run.kind }),
              el('td', { textContent: run.shard || '—' }),
              status,
              el('td', {}, [progress, ' ', label]),
              figure('read'),
              figure('inserted'),
              figure('rejected'),
              el('td', { textContent: run.lastProgressAt }),
            ]);
          })),
    );
  }

  function renderParity(parity, verify) {
    if (parity) {
      const samples = [...parity.ingest.samples, ...parity.projection.samples];
      $('parity-samples').replaceChildren(...samples.map((s) => el('li', { textContent: `${s.finding}: ${s.userId} ${JSON.stringify(s.detail)}` })));
    }
    if (verify) {
      $('verify-stale').hidden = !verify.stale;
      $('verify-samples').replaceChildren(...verify.sample.map((m) => el('li', { textContent: `${m.verdict}: ${m.userId}` })));
    }
  }

  function renderMirror(mirror) {
    if (!mirror) return;
    $('mirror-enabled').textContent = mirror.enabled === null ? 'never run' : mirror.enabled ? 'on' : 'off (no way back)';
    $('mirror-enabled').className = mirror.enabled ? '' : 'stale';
  }

  function render(status) {
    $('meta').textContent = `${status.database} · as of ${status.at} · refreshed every ${refreshMs / 1000} s`;
    renderSteps(status);
    renderSessions(status.sessions);
    renderOutbox(status.outbox);
    renderRejects(status.rejects);
    renderAdjustments(status.adjustments);
    renderRuns(status.backfill);
    renderParity(status.parity, status.verify);
    renderMirror(status.mirror);
    $('problems').hidden = status.problems.length === 0;
    $('problem-list').replaceChildren(...status.problems.map((p) => el('li', { textContent: `${p.section}: ${p.message}` })));
    // Last, so the rows drawn above get their numbers too.
    renderFigures(status);
  }

  async function refresh() {
    try {
      const response = await fetch('/status.json', { cache: 'no-store' });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || `status ${response.status}`);
      state.status = body;
      render(body);
      $('error').hidden = true;
      state.refreshes += 1;
      document.body.dataset.refreshes = String(state.refreshes);
    } catch (error) {
      // Shown on the page, not thrown: the next refresh tries again.
      $('error').textContent = `could not refresh: ${error.message}`;
      $('error').hidden = false;
    } finally {
      setTimeout(refresh, refreshMs);
    }
  }

  refresh();
})();
