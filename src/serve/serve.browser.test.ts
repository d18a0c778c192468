// `faultline serve` in headless Chromium: the listing, its filter form, a run's page, a report
// served sandboxed and the zip download, with no console errors and hostile values inert.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type BrowserSession } from '../../test-support/browser-harness.js';
import { renderReport } from '../../reports/render-report.js';
import { sampleRun } from '../../test-support/sample-run.js';
import { HOSTILE, writeFixtureStore } from '../../test-support/fixture-store.js';
import { startServer, type RunningServer } from './server.js';
import { readZip } from '../../test-support/zip-reader.js';
import { chromium, systemHas } from '../../test-support/system-tests.js';

let browser: BrowserSession;
let server: RunningServer;

describe.runIf(await systemHas(chromium))('faultline serve in a browser', () => {
  beforeAll(async () => {
    const fixture = writeFixtureStore(mkdtempSync(join(tmpdir(), 'faultline-serve-browser-')));
    // A real report, with its charts and scripts, to show the sandbox leaves it working.
    writeFileSync(join(fixture.runs.valid, 'report.html'), renderReport(sampleRun()));
    server = await startServer({ storeDir: fixture.store, host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the listing with hostile values as text, and filters through its form', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(server.url);
    expect(await page.locator('tr.run').count()).toBe(4);
    expect(await page.locator('body').innerText()).toContain(`primary ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    await page.selectOption('select[name=verdict]', 'invalid');
    await page.click('button[type=submit]');
    await page.waitForURL(/verdict=invalid/);
    expect(await page.locator('tr.run').count()).toBe(1);
    expect(await page.locator('tr.run td').nth(1).innerText()).toBe(`primary ${HOSTILE}`);
    await page.fill('input[name=test]', 'raft');
    await page.selectOption('select[name=verdict]', '');
    await page.click('button[type=submit]');
    await page.waitForURL(/test=raft/);
    expect(await page.locator('tr.run').count()).toBe(3);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a run, its sandboxed report with working charts, and downloads its zip', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(server.url);
    await page.locator('tr.run.valid a', { hasText: 'files' }).click();
    await page.waitForURL(/\/runs\/bundled-raft-register-partition\/20261120T010000\/$/);
    expect(await page.locator('table.files a').allInnerTexts()).toContain('nodes/n1/node.log');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a', { hasText: 'download zip' }).click()]);
    expect(download.suggestedFilename()).toBe('bundled-raft-register-partition-20261120T010000.zip');
    const files = await readZip(readFileSync((await download.path())!));
    expect(files.has('bundled-raft-register-partition/20261120T010000/report.html')).toBe(true);
    await page.locator('a', { hasText: /^report$/ }).click();
    await page.waitForURL(/report\.html$/);
    await page.locator('canvas').first().waitFor();
    expect(await page.locator('canvas').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a run whose hostile checker summary stays text', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(`${server.url}runs/bundled-primary-register-partition/20261121T010000/`);
    expect(await page.locator('h1').innerText()).toBe(`primary ${HOSTILE}`);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});
