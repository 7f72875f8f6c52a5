/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, type TestDatabase } from '../../functions/test/support/testDatabase';
import { statusSchema, type Status } from '../lib/status/readStatus';
import { runScript } from './support/runScript';
import { seedStatus } from './support/statusFixture';

// The status page in a real headless Chromium (Debian's, driven by playwright-core): it loads with no
// console error, shows the same figures as --json, charts one point per hour and refreshes itself.
// The screenshot goes to reports/ (git-ignored), where test output is kept.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(ROOT, 'reports/status-page.png');
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) {
  console.log(`STATUS PAGE NOT TESTED: no Chromium at ${CHROMIUM} on this machine (apt-get install -y chromium; .ci/run installs it)`);
}
const inBrowser = hasBrowser ? it : it.skip;

/** `npm run status -- --serve` as a child process; resolves with the URL it prints. */
function serveStatusPage(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'scripts/status.ts'), '--serve', '--port', '0', '--refresh', '1'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, METADATA_SERVER_DETECTION: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = readline.createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const url = /(http:\/\/\S+\/)/.exec(line)?.[1];
      if (url) resolve({ url, child });
    });
    child.once('exit', (code) => reject(new Error(`status --serve exited with ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** What the page shows for a JSON value, as page.js writes it. */
const shown = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('en-US') : value === null || value === undefined ? '—' : String(value));
const at = (obj: unknown, dotted: string) => dotted.split('.').reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string, unknown>)[k]), obj);

describe('the status page in a headless Chromium', () => {
  let db: TestDatabase;
  let server: { url: string; child: ChildProcess } | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!hasBrowser) return;
    db = await createTestDatabase();
    await seedStatus(db.pool, Date.now());
    server = await serveStatusPage(db.url);
    const { chromium } = await import('playwright-core');
    // A fresh profile per run: nothing of an earlier run (cache, storage) can make the page pass.
    profile = mkdtempSync(path.join(tmpdir(), 'status-page-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url);
    await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 1, undefined, { timeout: 30_000 });
  });

  afterAll(async () => {
    await context?.close();
    await stop(server?.child);
    if (profile) rmSync(profile, { recursive: true, force: true });
    await db?.close();
  });

  inBrowser('serves the page on 127.0.0.1 and loads nothing from anywhere else, with no console error', async () => {
    expect(new URL(server!.url).hostname).toBe('127.0.0.1');
    expect(requests.filter((r) => !r.startsWith(server!.url))).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining([`${server!.url}assets/uPlot.iife.min.js`, `${server!.url}status.json`]));
    expect(consoleErrors).toEqual([]);
  });

  inBrowser('shows the same figures as --json', async () => {
    const run = await runScript('status.ts', ['--json', '--read-only'], db.url);
    expect(run.code).toBe(0);
    const json: Status = statusSchema.parse(JSON.parse(run.stdout));
    const figures = await page.$$eval('[data-figure]', (nodes) => nodes.map((n) => ({ path: (n as HTMLElement).dataset.figure!, text: n.textContent ?? '' })));
    // Every section is on the page: sessions per source, rejects, adjustments, runs, verify, parity, outbox, mirror.
    expect(new Set(figures.map((f) => f.path.split('.')[0]))).toEqual(new Set(['sessions', 'rejects', 'backfill', 'verify', 'parity', 'outbox', 'mirror', 'adjustments']));
    expect(figures.length).toBeGreaterThanOrEqual(40);
    expect(figures.map((f) => ({ path: f.path, text: f.text }))).toEqual(figures.map((f) => ({ path: f.path, text: shown(at(json, f.path)) })));
    const steps = await page.$$eval('#steps li', (nodes) => nodes.map((n) => [n.className, n.querySelector('.title')!.textContent]));
    expect(steps).toEqual(json.steps.map((s) => [s.state, `${s.step}. ${s.title}`]));
    const progress = await page.$$eval('#runs-table progress', (nodes) => nodes.map((n) => (n as HTMLProgressElement).value));
    expect(progress).toEqual(json.backfill!.runs.map((r) => r.progress ?? 0));
  });

  inBrowser('charts sessions per hour by source over 14 days, one point per hour, and the outbox over time', async () => {
    const chart = await page.evaluate(() => {
      const { charts, status } = (window as unknown as { statusPage: { charts: Record<string, { data: number[][]; series: Array<{ label?: string }> }>; status: Status } }).statusPage;
      return { data: charts.sessions!.data, labels: charts.sessions!.series.map((s) => s.label ?? null), outbox: charts.outbox!.data, status };
    });
    const hourly = chart.status.sessions!.hourly;
    expect(chart.labels.slice(1)).toEqual(['callable', 'bridge', 'backfill']);
    expect(chart.data[0]).toHaveLength(14 * 24);
    const x = chart.data[0]!;
    expect(x.slice(1).map((t, i) => t - x[i]!)).toEqual(Array(14 * 24 - 1).fill(3600));
    expect(x).toEqual(hourly.map((h) => Date.parse(h.hour) / 1000));
    for (const [i, source] of ['callable', 'bridge', 'backfill'].entries()) expect(chart.data[i + 1]).toEqual(hourly.map((h) => h[source]));
    expect(chart.outbox[1]).toEqual(chart.status.outbox!.history.map((p) => p.pending));
    await page.locator('#sessions-chart canvas').first().waitFor();
  });

  inBrowser('refreshes itself, and a screenshot is kept in reports/', async () => {
    await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 2, undefined, { timeout: 30_000 });
    expect(consoleErrors).toEqual([]);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    console.log(`status page screenshot: ${path.relative(ROOT, SCREENSHOT)}`);
  });
});
