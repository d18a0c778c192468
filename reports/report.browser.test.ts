// Reports opened in a real browser (Debian's headless Chromium through playwright-core): the charts
// and the timeline draw, nothing breaks the CSP or logs an error, a hostile value stays text, and
// the timeline of a 1,000,000-op history opens, zooms, pans, scrolls and filters.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { chromium, systemHas } from '../test-support/system-tests.js';
import { launchBrowser, type BrowserSession, type Page } from '../test-support/browser-harness.js';
import { renderReport, type ReportInput } from './render-report.js';
import { sampleRun, syntheticRun } from '../test-support/sample-run.js';

const hostile = '<img src=x onerror="window.__pwned=1">';

interface TimelineApi {
  ready: boolean;
  draws: number;
  lastDrawMs: number;
  shown: number;
  matched: number;
  count: number;
  setView(startS: number, endS: number): void;
  view(): [number, number];
}

let browser: BrowserSession;
let dir: string;

/** Writes the report, opens it and waits for the timeline; returns the page and its console errors and CSP violations. */
async function openReport(name: string, input: ReportInput, timeoutMs = 20_000): Promise<{ page: Page; errors: string[]; openMs: number }> {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderReport(input));
  const { page, errors } = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`);
  const started = performance.now();
  await page.goto(pathToFileURL(file).href);
  await until(page, 'window.faultlineTimeline && window.faultlineTimeline.ready', timeoutMs);
  await waitForDraw(page);
  return { page, errors, openMs: performance.now() - started };
}

function timeline<T>(page: Page, read: (t: TimelineApi) => T): Promise<T> {
  return page.evaluate(`(${read.toString()})(window.faultlineTimeline)`) as Promise<T>;
}

// Code that runs in the page is written as strings: this project's TypeScript has no DOM types.

/**
 * Polls an expression from outside the page until it is truthy. Not page.waitForFunction: its
 * in-page polling compiles the predicate with eval, which the report's CSP rightly refuses.
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the timeline has drawn since `after` draws (default: once at all). */
async function waitForDraw(page: Page, after = 0): Promise<void> {
  await until(page, `window.faultlineTimeline.draws > ${after}`);
}

/** How many pixels of a canvas are not transparent: a drawn chart has thousands. */
function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    if (!canvas || canvas.width === 0) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  })()`);
}

/** The sample run plus clock faults, so every chart has something to draw. */
function sampleWithClock(): ReportInput {
  const run = sampleRun();
  const last = run.history[run.history.length - 1]!;
  const clockOps: Op[] = [
    { index: 0, time: 2e9, process: 'nemesis', type: 'invoke', f: 'start-clock', value: null },
    { index: 0, time: 2.1e9, process: 'nemesis', type: 'info', f: 'start-clock', value: { nodes: ['n2'], offsetsS: { n1: 0, n2: 0.512, n3: 0 }, description: 'n2 bump +0.512 s' } },
    { index: 0, time: 4e9, process: 'nemesis', type: 'invoke', f: 'stop-clock', value: null },
    { index: 0, time: 4.1e9, process: 'nemesis', type: 'info', f: 'stop-clock', value: { nodes: ['n2'], offsetsS: { n1: 0, n2: 0, n3: 0 }, description: 'reset n2' } },
  ];
  // The sample's nemesis ops start at 5 s, so these fit in before them without overlapping.
  const history = [...run.history, ...clockOps].sort((a, b) => a.time - b.time).map((op, index) => ({ ...op, index }));
  expect(last.time).toBeGreaterThan(4.1e9);
  return { ...run, history };
}

describe.runIf(await systemHas(chromium))('a report in Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    if (!dir) return; // beforeAll failed before making it
    // FAULTLINE_KEEP_REPORTS=1 keeps the reports, to look at them by eye.
    if (process.env.FAULTLINE_KEEP_REPORTS) console.log(`reports kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });

  it('draws every chart and the timeline without console errors or CSP violations', async () => {
    const { page, errors } = await openReport('sample', sampleWithClock());
    for (const id of ['latency-chart', 'quantiles-chart', 'throughput-chart', 'clock-chart', 'availability-chart', 'tl-canvas']) {
      expect(await paintedPixels(page, `#${id}`), id).toBeGreaterThan(2_000);
    }
    expect(await timeline(page, (t) => t.shown)).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a witness op on the timeline from its link, and shows its details', async () => {
    const { page, errors } = await openReport('links', sampleRun());
    const link = page.locator('#checker-linearizable a[data-op]').first();
    const opIndex = await link.getAttribute('data-op');
    const draws = await timeline(page, (t) => t.draws);
    await link.click();
    await waitForDraw(page, draws);
    expect(await page.locator('#tl-detail').textContent()).toContain(`op ${opIndex}`);
    const [start, end] = await timeline(page, (t) => t.view());
    expect(end - start).toBeLessThan(5);
    // A node event in the table zooms the timeline there.
    await page.locator('#node-events a[data-at-ns]').first().click();
    const [a, b] = await timeline(page, (t) => t.view());
    expect(b - a).toBeCloseTo(2, 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a hostile value from the database as text and never runs it', async () => {
    const run = sampleRun();
    const ops: Op[] = [
      { index: 0, time: 0, process: 'nemesis', type: 'invoke', f: 'start-partition', value: null },
      { index: 1, time: 1e9, process: 'nemesis', type: 'info', f: 'start-partition', value: { description: hostile } },
      { index: 2, time: 1.5e9, process: 0, type: 'invoke', f: hostile, value: [hostile, 1], node: hostile },
      { index: 3, time: 1.6e9, process: 0, type: 'fail', f: hostile, value: [hostile, 1], node: hostile, error: hostile },
      { index: 4, time: 2e9, process: 1, type: 'invoke', f: 'read', value: [hostile, null], node: 'n2' },
      { index: 5, time: 2.1e9, process: 1, type: 'ok', f: 'read', value: [hostile, hostile], node: 'n2' },
    ];
    const input: ReportInput = {
      ...run,
      test: { name: hostile, seed: hostile, concurrency: 2 },
      history: ops,
      results: { valid: false, results: { [hostile]: { valid: false, summary: hostile, detail: hostile } } },
      nodeEvents: [{ atNs: 1.2e9, node: hostile, event: hostile, message: hostile, detail: {} }],
      nodeLogs: [{ node: hostile, href: `nodes/${encodeURIComponent(hostile)}/node.log`, bytes: 10 }],
    };
    const { page, errors } = await openReport('hostile', input);
    // Hover the read on the timeline, so its value goes through the details panel too.
    await page.locator('#tl-canvas').scrollIntoViewIfNeeded();
    const box = (await page.locator('#tl-canvas').boundingBox())!;
    const [start, end] = await timeline(page, (t) => t.view());
    const x = box.x + 70 + ((2.05 - start) / (end - start)) * (box.width - 80);
    // Below the axis, the partition row and the node events row: the nemesis row, worker 0, then worker 1.
    const rowY = 22 + 2 * 14 + 2 * 12 + 6;
    await page.mouse.move(x, box.y + rowY);
    await until(page, `document.getElementById('tl-detail').textContent.includes('read')`);
    // Values are shown as JSON, so the hostile string appears in its JSON form, as text.
    expect(await page.locator('#tl-detail').textContent()).toContain(JSON.stringify(hostile));
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    const text = await page.locator('body').innerText();
    expect(text).toContain(hostile);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens, zooms, pans, scrolls and filters the timeline of a 1,000,000-op history', async () => {
    const run = syntheticRun(1_000_000);
    const { page, errors, openMs } = await openReport('million', run, 40_000);
    const count = await timeline(page, (t) => t.count);
    expect(count).toBeGreaterThan(490_000);
    // Every op of the rows in view: the canvas shows 47 of the 51 rows until it is scrolled.
    expect(await timeline(page, (t) => t.shown)).toBeGreaterThan(count * 0.85);
    expect(await paintedPixels(page, '#tl-canvas')).toBeGreaterThan(20_000);

    let draws = await timeline(page, (t) => t.draws);
    await page.evaluate('window.faultlineTimeline.setView(300, 301)');
    await waitForDraw(page, draws);
    const zoomed = await timeline(page, (t) => ({ shown: t.shown, ms: t.lastDrawMs }));
    expect(zoomed.shown).toBeGreaterThan(0);
    expect(zoomed.shown).toBeLessThan(count / 100);

    // Ctrl+wheel zooms out around the cursor, a drag pans, the wheel scrolls the rows.
    await page.locator('#tl-canvas').scrollIntoViewIfNeeded();
    const box = (await page.locator('#tl-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    draws = await timeline(page, (t) => t.draws);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, 400);
    await page.keyboard.up('Control');
    await waitForDraw(page, draws);
    const [a, b] = await timeline(page, (t) => t.view());
    expect(b - a).toBeGreaterThan(1.5);
    draws = await timeline(page, (t) => t.draws);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 300, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitForDraw(page, draws);
    const [c] = await timeline(page, (t) => t.view());
    expect(c).toBeGreaterThan(a);
    draws = await timeline(page, (t) => t.draws);
    await page.mouse.wheel(0, 200);
    await waitForDraw(page, draws);
    expect(await page.evaluate(`document.getElementById('tl-scroll').scrollTop`)).toBeGreaterThan(0);

    // The whole run again, filtered to one key: every frame stays fast.
    draws = await timeline(page, (t) => t.draws);
    await page.locator('#tl-reset').click();
    await page.locator('#tl-key').fill('7');
    await waitForDraw(page, draws);
    const filtered = await timeline(page, (t) => ({ matched: t.matched, ms: t.lastDrawMs }));
    expect(filtered.matched).toBeGreaterThan(0);
    expect(filtered.matched).toBeLessThan(count / 20);
    expect(filtered.ms).toBeLessThan(1_000);
    expect(errors).toEqual([]);
    console.log(`1,000,000-op report: opened in ${openMs.toFixed(0)} ms; a zoomed frame drew in ${zoomed.ms.toFixed(1)} ms, a filtered full frame in ${filtered.ms.toFixed(1)} ms`);
    await page.close();
  }, 120_000);
});
