// One night's summary page (<out>/<night>/summary.html): the night's exit code, then one row per
// run with its verdict against what was expected, timings, throughput, latency, its checkers and
// links to its report and console log. Links are relative, so the page works from the artifact.
import { escapeHtml } from '../html-escape.js';
import { badge, renderPage, type VerdictClass } from '../html-page.js';
import { describeExpectation } from './matrix.js';
import { exitWord, type MergedShards, type NightRun, type NightSummary } from './night.js';

export function renderSummaryPage(night: NightSummary): string {
  const count = (outcome: NightRun['outcome']) => night.runs.filter((r) => r.outcome === outcome).length;
  const word = exitWord(night.exitCode);
  const body = [
    `<nav class="links"><a href="../trend.html">trend over nights</a><a href="junit.xml">junit.xml</a><a href="summary.json">summary.json</a></nav>`,
    `<h1>faultline nightly ${escapeHtml(night.night)}</h1>`,
    `<div class="verdict-bar ${word}">${escapeHtml(`${word.toUpperCase()} \u00b7 exit ${night.exitCode}`)}</div>`,
    `<dl class="facts">` +
      fact('matrix', night.matrix) +
      (night.shard ? fact('shard', `${night.shard.index} of ${night.shard.count}: ${night.runs.length} of ${night.shard.assignment.length} runs`) : '') +
      fact('started', night.startedAt.replace('T', ' ').slice(0, 19)) +
      fact('wall time', duration(night.wallS)) +
      fact('budget', duration(night.budgetS)) +
      fact('runs', String(night.runs.length)) +
      fact('passed', String(count('pass'))) +
      fact('failures', String(count('failure'))) +
      fact('errors', String(count('error'))) +
      fact('skipped', String(count('skipped'))) +
      '</dl>',
    ...(night.merged ? [shardList(night.merged)] : []),
    runTable(night.runs),
    '<footer>Exit code: the worst run by Jepsen\u2019s order (255 crashed, 2 unknown, 1 invalid, 0 valid); a test expected invalid passes when its checkers find the anomaly.</footer>',
  ].join('\n');
  return renderPage(`${word.toUpperCase()} \u00b7 faultline nightly ${night.night}`, body);
}

function runTable(runs: readonly NightRun[]): string {
  const rows = runs.map((run) => {
    const links = [
      run.runDir ? `<a href="${escapeHtml(`${run.runDir}/report.html`)}">report</a>` : '',
      run.log ? `<a href="${escapeHtml(run.log)}">log</a>` : '',
    ].filter(Boolean).join(' \u00b7 ');
    const checkers = run.checkers.map((c) => `<div>${badge(c.verdict, c.name)} ${escapeHtml(c.summary)}</div>`);
    if (run.message) checkers.unshift(`<div><strong>${escapeHtml(run.message)}</strong></div>`);
    const latency = run.latencyMs ? Object.entries(run.latencyMs).map(([f, q]) => `${escapeHtml(f)} ${q.p50.toFixed(1)} / ${q.p99.toFixed(1)}`).join('<br>') : '';
    return `<tr class="run ${run.status} ${run.outcome}">` +
      `<td class="num">${run.index}</td>` +
      `<td>${escapeHtml(run.test)}<details><summary class="muted">rerun</summary><code>${escapeHtml(`npx faultline ${run.args.join(' ')}`)}</code></details></td>` +
      `<td class="num">${run.seed}</td>` +
      `<td>${escapeHtml(describeExpectation(run.expect))}</td>` +
      `<td>${badge(run.status as VerdictClass)}</td>` +
      `<td>${badge(outcomeClass(run.outcome), run.outcome)}</td>` +
      `<td class="num">${run.wallS === undefined ? '' : duration(run.wallS)}</td>` +
      `<td class="num">${run.throughputPerS === undefined ? '' : run.throughputPerS.toFixed(1)}</td>` +
      `<td class="num">${latency}</td>` +
      `<td class="summary">${checkers.join('')}</td>` +
      `<td>${links}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th class="num">#</th><th>test</th><th class="num">seed</th><th>expected</th><th>verdict</th><th>outcome</th><th class="num">took</th><th class="num">ops/s</th><th class="num">p50 / p99 ms</th><th>checkers</th><th></th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** The shards a merged night came from, each linked to its own summary, and the missing ones named. */
function shardList(merged: MergedShards): string {
  const items = [
    ...merged.shards.map((s) => `<li><a href="${escapeHtml(`${s.dir}/summary.html`)}">shard ${s.index}/${merged.count}</a>: ${s.runs} runs in ${escapeHtml(duration(s.wallS))}, exit ${s.exitCode}</li>`),
    ...merged.missing.map((index) => `<li><strong>shard ${index}/${merged.count} missing</strong>: its runs were not merged and count as errors</li>`),
  ];
  return `<h2>Shards</h2><ul class="shards">${items.join('')}</ul>`;
}

function outcomeClass(outcome: NightRun['outcome']): VerdictClass {
  return outcome === 'pass' ? 'valid' : outcome === 'failure' ? 'invalid' : outcome === 'error' ? 'crashed' : 'skipped';
}

function fact(name: string, value: string): string {
  return `<div><dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd></div>`;
}

/** 75.2 -> "1m15s"; under a minute, "42.0 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
