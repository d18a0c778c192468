// Headless Chromium for browser tests and figures: Debian's `chromium` driven by playwright-core.
// Playwright's own browser download cannot work here (no registry for it), so the browser is the
// system one, found at FAULTLINE_CHROMIUM or /usr/bin/chromium. Used by tests and benches only.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/** Flags for a closed network: no background connections, no first-run work, no GPU. */
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

export function chromiumPath(): string {
  return process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';
}

/** A launched browser with its own empty profile; `close` removes the profile. */
export interface BrowserSession {
  context: BrowserContext;
  /** Opens a page that records console errors and uncaught page errors in `errors`. */
  newPage(): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const path = chromiumPath();
  if (!existsSync(path)) throw new Error(`chromium not found at ${path}; install Debian's chromium package or set FAULTLINE_CHROMIUM`);
  const profile = mkdtempSync(join(tmpdir(), 'faultline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: path, headless: true, args: CHROMIUM_ARGS });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m: ConsoleMessage) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e: Error) => errors.push(e.message));
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type { Browser, Page };
