// Takes a picture of a report in headless Chromium, once its charts and timeline have drawn; how
// docs/report.png is made (after `npx tsc -p test-support/tsconfig.scripts.json`):
//   node dist/test-support/screenshot.js store/latest/report.html docs/report.png [height]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from './browser-harness.js';

const [report, out = 'report.png', height = '1000'] = process.argv.slice(2);
if (report === undefined) throw new Error('usage: screenshot.js <report.html> [out.png] [viewport height]');
const browser = await launchBrowser();
try {
  const { page, errors } = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: Number(height) });
  await page.goto(pathToFileURL(resolve(report)).href);
  // Polled from outside: waitForFunction's in-page polling uses eval, which the report's CSP refuses.
  const deadline = Date.now() + 30_000;
  while (!(await page.evaluate('!window.faultlineTimeline || window.faultlineTimeline.draws > 0'))) {
    if (Date.now() > deadline) throw new Error(`${report}: the timeline did not draw within 30 s`);
    await new Promise((done) => setTimeout(done, 50));
  }
  await page.screenshot({ path: out });
  console.log(`wrote ${out}${errors.length > 0 ? `; console errors: ${errors.join('; ')}` : ''}`);
} finally {
  await browser.close();
}
