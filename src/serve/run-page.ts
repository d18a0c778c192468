// One run's page in `faultline serve`: its verdict and checkers, links to the report and the zip,
// the command that re-checks it, and every file of the run directory.
import { join } from 'node:path';
import { escapeHtml } from '../html-escape.js';
import { badge, renderPage } from '../html-page.js';
import { RUN_FILES } from '../store.js';
import { zipHref } from './listing-page.js';
import type { RunEntry } from './run-index.js';
import type { RunFile } from './run-files.js';

/** Files listed on the page at most; the zip still has all of them. */
const MAX_FILES_LISTED = 2000;

export function renderRunPage(run: RunEntry, files: readonly RunFile[], storeDir: string): string {
  const s = run.summary;
  const hasReport = files.some((f) => f.name === RUN_FILES.report);
  const checkers = s.checkers.map((c) => `<li>${badge(c.verdict, c.name)} ${escapeHtml(c.summary)}</li>`).join('');
  const rows = files.slice(0, MAX_FILES_LISTED).map((f) =>
    `<tr><td><a href="${f.name.split('/').map(encodeURIComponent).join('/')}">${escapeHtml(f.name)}</a></td>` +
    `<td class="num">${formatBytes(f.bytes)}</td><td class="num">${escapeHtml(f.mtime.toISOString())}</td></tr>`);
  const more = files.length > MAX_FILES_LISTED ? `<p class="muted">and ${files.length - MAX_FILES_LISTED} more files (all are in the zip)</p>` : '';
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  const body = [
    `<nav class="links"><a href="/">\u2190 all runs</a></nav>`,
    `<h1>${escapeHtml(s.test)}</h1>`,
    `<div class="verdict-bar ${s.verdict}">${escapeHtml(s.verdict.toUpperCase())}</div>`,
    s.problem ? `<p>${escapeHtml(s.problem)}</p>` : '',
    `<dl class="facts"><div><dt>run</dt><dd>${escapeHtml(`${run.testDir}/${run.runDir}`)}</dd></div>` +
      `<div><dt>seed</dt><dd>${s.seed ?? 'unknown'}</dd></div>` +
      (s.throughputPerS === undefined ? '' : `<div><dt>throughput</dt><dd>${s.throughputPerS.toFixed(1)} ops/s</dd></div>`) +
      `<div><dt>files</dt><dd>${files.length}, ${formatBytes(totalBytes)}</dd></div></dl>`,
    `<nav class="links">${hasReport ? `<a href="${RUN_FILES.report}">report</a>` : '<span class="muted">no report yet</span>'}` +
      `<a href="${zipHref(run)}" download>download zip</a></nav>`,
    checkers ? `<h2>Checkers</h2><ul>${checkers}</ul>` : '',
    `<h2>Re-check</h2><pre>npx faultline check ${escapeHtml(join(storeDir, run.testDir, run.runDir))}</pre>`,
    `<h2>Files</h2><table class="files"><thead><tr><th>file</th><th class="num">size</th><th class="num">modified</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>${more}`,
  ].join('\n');
  return renderPage(`${s.verdict.toUpperCase()} \u00b7 ${s.test} \u00b7 faultline`, body);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
