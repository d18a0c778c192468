// The chart.js UMD bundle, read once from node_modules so every report can inline it and work offline.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** Returns chart.js's UMD source, safe to place between <script> tags; read from disk on first use. */
export function chartJsSource(): string {
  if (cached === undefined) {
    // chart.js's package "exports" hide dist/chart.umd.js from resolve(); find it next to the main entry.
    const path = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
    // The bundle contains no "</script" today; guard anyway so an upgrade cannot break the page.
    cached = readFileSync(path, 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return cached;
}
