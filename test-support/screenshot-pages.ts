// Screenshots of pages for the docs, taken in headless Chromium through the browser harness:
//   npx tsc -p test-support/tsconfig.scripts.json && node dist/test-support/screenshot-pages.js nightly/trend.html docs/trend.png [page.html shot.png ...]
// Fails if a page logs a console error, so a screenshot never shows a broken page.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from './browser-harness.js';

const pairs = process.argv.slice(2);
if (pairs.length === 0 || pairs.length % 2 !== 0) {
  console.error('usage: screenshot-pages.js <page.html> <shot.png> [<page.html> <shot.png> ...]');
  process.exit(254);
}
const browser = await launchBrowser();
try {
  for (let i = 0; i < pairs.length; i += 2) {
    const [html, png] = [pairs[i] as string, pairs[i + 1] as string];
    const { page, errors } = await browser.newPage();
    await page.setViewportSize({ width: 1400, height: 800 });
    await page.goto(pathToFileURL(resolve(html)).href);
    await page.screenshot({ path: png, fullPage: true });
    if (errors.length > 0) throw new Error(`${html} logged console errors: ${errors.join(' | ')}`);
    console.log(`${png}: ${html}`);
    await page.close();
  }
} finally {
  await browser.close();
}
