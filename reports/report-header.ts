// The top of the report: the verdict, one line per checker, what was run, and how to replay it.
import { describePrimaryMatch } from '../src/first-primaries.js';
import type { CheckResult } from '../src/checker.js';
import { anchorId, escapeHtml } from '../src/html-escape.js';
import type { History } from '../src/op.js';
import { validityBadge, validityWord } from './checker-section.js';
import type { ReportInput } from './report-input.js';
import { formatCount, formatDurationMs } from './time-format.js';

const verdictText = {
  valid: 'every checker found the history valid',
  invalid: 'a checker found an anomaly',
  unknown: 'a checker could not decide',
  crashed: 'the run crashed',
} as const;

/** Renders the header; `problems` are HTML lines (already escaped) pointing at the first failures. */
export function renderHeader(input: ReportInput, checkers: Record<string, CheckResult>, problems: readonly string[]): string {
  const verdict = input.run.crashed !== undefined ? 'crashed' : validityWord(input.results.valid);
  const counts = countOps(input.history);
  const name = input.test.name ?? 'unnamed test';
  const facts = [
    ['seed', input.test.seed],
    ['started', input.run.startedAt],
    ['duration', formatDurationMs(input.run.durationMs)],
    ['client ops', `${formatCount(counts.ok)} ok \u00b7 ${formatCount(counts.fail)} fail \u00b7 ${formatCount(counts.info)} info${counts.open > 0 ? ` \u00b7 ${formatCount(counts.open)} never completed` : ''}`],
    ['nemesis ops', formatCount(counts.nemesis)],
  ] as const;
  const checkerLines = Object.entries(checkers).map(
    ([checker, r]) =>
      `<li>${validityBadge(r.valid)} <a href="#${anchorId('checker', checker)}"><code>${escapeHtml(checker)}</code></a>` +
      `${r.summary !== undefined ? ` \u2014 ${escapeHtml(r.summary)}` : r.error !== undefined ? ` \u2014 ${escapeHtml(r.error)}` : ''}</li>`,
  );
  return [
    `<header class="verdict ${verdict}">`,
    `<div class="verdict-word">${verdict.toUpperCase()}</div>`,
    `<div><h1>${escapeHtml(name)}</h1><p>${verdictText[verdict]}</p></div>`,
    '</header>',
    input.run.crashed !== undefined ? `<pre class="error crash">${escapeHtml(input.run.crashed)}</pre>` : '',
    input.run.incomplete !== undefined
      ? `<p class="error incomplete"><strong>INCOMPLETE</strong> \u2014 ${escapeHtml(input.run.incomplete)}. A partial history proves nothing about the final state: the checkers' verdict on what was recorded is ${escapeHtml(validityWord(input.results['checkersValid'] as CheckResult['valid'] ?? input.results.valid))}, the run's is at best unknown.</p>`
      : '',
    input.run.manualRecovery !== undefined
      ? `<p class="recovered"><strong>RECOVERED BY HAND</strong> \u2014 the cluster did not come back by itself after healing; before the final reads, the database's manual remedy was applied: ${escapeHtml(input.run.manualRecovery)}</p>`
      : '',
    checkerLines.length > 0 ? `<ul class="checkers">${checkerLines.join('')}</ul>` : '<p class="muted">No checker results.</p>',
    problems.length > 0 ? `<ul class="problems">${problems.map((p) => `<li>${p}</li>`).join('')}</ul>` : '',
    replayOfLine(input.run.replayOf),
    `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${escapeHtml(v ?? '\u2014')}</dd></div>`).join('')}</dl>`,
    '<dl class="commands">',
    input.run.scheduleReplayCommand !== undefined
      ? `<dt>replay this run (the same ops and faults at the same offsets)</dt><dd><pre class="command"><code>${escapeHtml(input.run.scheduleReplayCommand)}</code></pre></dd>`
      : '',
    `<dt>run the same test and seed again (fresh timing)</dt><dd><pre class="command"><code>${escapeHtml(input.run.replayCommand)}</code></pre></dd>`,
    `<dt>re-check the stored history</dt><dd><pre class="command"><code>${escapeHtml(input.run.recheckCommand)}</code></pre></dd>`,
    '</dl>',
  ].join('\n');
}

interface OpCounts {
  ok: number;
  fail: number;
  info: number;
  /** Client invocations with no completion before the history ended. */
  open: number;
  nemesis: number;
}

function countOps(history: History): OpCounts {
  const counts: OpCounts = { ok: 0, fail: 0, info: 0, open: 0, nemesis: 0 };
  for (const op of history) {
    if (op.process === 'nemesis') {
      if (op.type !== 'invoke') counts.nemesis++;
    } else if (op.type === 'invoke') counts.open++;
    else {
      counts[op.type]++;
      counts.open--;
    }
  }
  return counts;
}

/** For a replay: a link to the run it replays, and how closely it kept that run's timing. */
function replayOfLine(replay: ReportInput['run']['replayOf']): string {
  if (replay === undefined) return '';
  const t = replay.timing;
  const timing = t
    ? `${formatCount(t.ops)} ops replayed${t.missing > 0 ? `, ${formatCount(t.missing)} never issued (the time limit came first)` : ''}; invoked late by p50 ${t.lagMs.p50} ms, p99 ${t.lagMs.p99} ms, at most ${t.lagMs.max} ms`
    : 'its timing was not measured';
  const unreplayed = replay.unreplayed > 0 ? `; ${replay.unreplayed} fault ops that failed the first time were not replayed` : '';
  const primaries = replay.primaries ? `; ${describePrimaryMatch(replay.primaries)}` : '';
  return `<p class="replay-of">A replay of <a href="${escapeHtml(replay.report)}">${escapeHtml(replay.report)}</a>: ${escapeHtml(timing + unreplayed + primaries)}.</p>`;
}
