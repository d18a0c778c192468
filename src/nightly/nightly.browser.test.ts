// The nightly pages in headless Chromium from file:// URLs, as a CI artifact is opened: the trend
// page and a night's summary with no console errors and hostile values inert, and the JUnit XML
// well-formed to the browser's own XML parser.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type BrowserSession } from '../../test-support/browser-harness.js';
import { fakeNight, fakeRun } from '../../test-support/fake-night.js';
import { writeNight } from './nightly-command.js';
import { chromium, systemHas } from '../../test-support/system-tests.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

/** The little of the DOM the XML check uses. */
interface XmlElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface XmlDocument {
  querySelector(selector: string): XmlElement | null;
  querySelectorAll(selector: string): ArrayLike<XmlElement> & Iterable<XmlElement>;
}
let browser: BrowserSession;
let out: string;

describe.runIf(await systemHas(chromium))('nightly pages in a browser', () => {
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'faultline-nightly-browser-'));
    const nights = [
      fakeNight('2026-11-22', [fakeRun({ test: `raft ${HOSTILE}` }), fakeRun({ test: 'crdt', status: 'crashed', outcome: 'error', exitCode: 255, message: `crashed: ${HOSTILE}` })], 255),
      fakeNight('2026-11-23', [
        fakeRun({ test: `raft ${HOSTILE}`, throughputPerS: 40, checkers: [{ name: 'linearizable', verdict: 'invalid', summary: `key 1 ${HOSTILE}` }], status: 'invalid', outcome: 'failure', exitCode: 1 }),
        fakeRun({ test: 'crdt', seed: 2 }),
      ], 1),
    ];
    for (const night of nights) {
      mkdirSync(join(out, night.night));
      writeNight(out, join(out, night.night), night);
    }
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the trend: a column per night, hostile test names as text, no console errors', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(pathToFileURL(join(out, 'trend.html')).href);
    expect(await page.locator('table.trend thead th a').allInnerTexts()).toEqual(['2026-11-22', '2026-11-23']);
    expect(await page.locator('table.trend tbody th').allInnerTexts()).toEqual([`raft ${HOSTILE}`, 'crdt']);
    expect(await page.locator('table.trend td.grid[data-status=invalid] .cell.unexpected').count()).toBe(1);
    expect(await page.locator('svg.spark').count()).toBeGreaterThan(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a night's summary with its runs, linked from the trend", async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(pathToFileURL(join(out, 'trend.html')).href);
    await page.locator('a', { hasText: '2026-11-22' }).first().click();
    await page.waitForURL(/2026-11-22\/summary\.html$/);
    expect(await page.locator('.verdict-bar').innerText()).toBe('CRASHED \u00b7 exit 255');
    expect(await page.locator('tr.run').count()).toBe(2);
    expect(await page.locator('body').innerText()).toContain(`crashed: ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("parses each night's junit.xml without errors in the browser's XML parser", async () => {
    const { page } = await browser.newPage();
    for (const night of ['2026-11-22', '2026-11-23']) {
      const xml = readFileSync(join(out, night, 'junit.xml'), 'utf8');
      const parsed = await page.evaluate((text) => {
        // Runs in the page, where DOMParser exists (this project's types know no DOM).
        const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): XmlDocument } };
        const doc = new DOMParser().parseFromString(text, 'application/xml');
        return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, names: [...doc.querySelectorAll('testcase')].map((c) => c.getAttribute('classname')) };
      }, xml);
      expect(parsed.error).toBeNull();
      expect(parsed.cases).toBe(2);
      expect(parsed.names).toContain(`faultline.raft ${HOSTILE}`);
    }
    await page.close();
  });
});
