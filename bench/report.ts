// Benchmark of the HTML report at scale: writes a synthetic 1,000,000-op run directory (history.jsonl,
// run.json, node logs with elections and failovers), renders report.html from it in a fresh Node
// process (as `faultline check` would, without the checkers), and opens it in headless Chromium.
// Prints the sizes, the render time, Node's peak RSS, and first contentful paint and timeline-ready
// times (median of three loads). Run after a build:
//   npm run bench:report   (or: npx tsc -p bench/tsconfig.json && node dist/bench/report.js [ops])
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser } from '../test-support/browser-harness.js';
import { readNodeLogs } from '../reports/node-annotations.js';
import { renderReport } from '../reports/render-report.js';
import { syntheticRun } from '../test-support/sample-run.js';
import { readJsonlHistory } from '../src/formats/jsonl.js';
import { faultWindows } from '../src/fault-window.js';

const epochMs = Date.UTC(2025, 2, 1, 12);

if (process.argv[2] === '--render') {
  renderRun(process.argv[3]!);
} else {
  await main(Number(process.argv[2] ?? 1_000_000));
}

async function main(opCount: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-report-'));
  try {
    let t = performance.now();
    writeRun(dir, opCount);
    console.log(`wrote a ${opCount.toLocaleString('en')}-op run in ${((performance.now() - t) / 1000).toFixed(1)} s: history.jsonl ${mib(statSync(join(dir, 'history.jsonl')).size)}`);
    t = performance.now();
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--render', dir], { encoding: 'utf8' });
    console.log(out.trim());
    console.log(`report.html ${mib(statSync(join(dir, 'report.html')).size)} (child process wall time ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    await measureInBrowser(join(dir, 'report.html'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The synthetic run on disk, with each node's log holding an election and a failover after each partition. */
function writeRun(dir: string, opCount: number): void {
  const run = syntheticRun(opCount);
  writeFileSync(join(dir, 'test.json'), JSON.stringify(run.test, null, 2));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ startedAt: run.run.startedAt, durationMs: run.run.durationMs, historyEpochMs: epochMs }));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(run.results));
  const lines: string[] = [];
  for (const op of run.history) lines.push(JSON.stringify(op));
  writeFileSync(join(dir, 'history.jsonl'), lines.join('\n') + '\n');
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const logs = new Map(nodes.map((n) => [n, [] as string[]]));
  faultWindows(run.history).forEach((w, i) => {
    const node = nodes[(i + 1) % nodes.length]!;
    const at = epochMs + w.start / 1e6;
    logs.get(node)!.push(
      JSON.stringify({ level: 30, time: at + 1000, node, event: 'election', epoch: i + 2, msg: `standing for primary in epoch ${i + 2}` }),
      JSON.stringify({ level: 30, time: at + 1100, node, event: 'failover', role: 'primary', epoch: i + 2, msg: `became primary in epoch ${i + 2}` }),
    );
  });
  for (const [node, text] of logs) {
    mkdirSync(join(dir, 'nodes', node), { recursive: true });
    writeFileSync(join(dir, 'nodes', node, 'node.log'), text.join('\n') + '\n');
  }
}

/** In the child: read the run as `faultline check` does and render it; print the times and memory. */
function renderRun(dir: string): void {
  let t = performance.now();
  const history = readJsonlHistory(readFileSync(join(dir, 'history.jsonl'), 'utf8'));
  const readMs = performance.now() - t;
  const rssAfterReadMiB = process.memoryUsage().rss / 2 ** 20;
  const test = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as Record<string, unknown>;
  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Parameters<typeof renderReport>[0]['results'];
  t = performance.now();
  const logs = readNodeLogs(dir, epochMs, history);
  const html = renderReport({
    test,
    history,
    results,
    nodeEvents: logs.events,
    nodeLogs: logs.logs,
    run: { dir, startedAt: new Date(epochMs).toISOString(), durationMs: 600_000, replayCommand: 'npx faultline test --seed 7', recheckCommand: `npx faultline check ${dir}` },
  });
  const renderMs = performance.now() - t;
  writeFileSync(join(dir, 'report.html'), html);
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`read ${history.length.toLocaleString('en')} ops in ${(readMs / 1000).toFixed(1)} s (RSS then ${rssAfterReadMiB.toFixed(0)} MiB); ${logs.events.length} node events`);
  console.log(`rendered in ${(renderMs / 1000).toFixed(2)} s; Node peak RSS ${peakMiB.toFixed(0)} MiB (the history itself takes most of it)`);
}

/** First contentful paint, charts drawn and timeline ready, median of three loads in a fresh page each. */
async function measureInBrowser(file: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const samples: { fcp: number; load: number; ready: number; frame: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const { page, errors } = await browser.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(file).href);
      // Polled from outside: waitForFunction's in-page polling uses eval, which the report's CSP refuses.
      const deadline = Date.now() + 60_000;
      while (!(await page.evaluate('window.faultlineTimeline && window.faultlineTimeline.draws > 0'))) {
        if (Date.now() > deadline) throw new Error('the timeline did not draw within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Run in the page, so written as a string: this project's TypeScript has no DOM types.
      samples.push(
        (await page.evaluate(`({
          fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
          load: performance.getEntriesByType('navigation')[0].loadEventEnd,
          ready: performance.getEntriesByName('faultline-timeline-drawn')[0].startTime,
          frame: window.faultlineTimeline.lastDrawMs,
        })`)) as { fcp: number; load: number; ready: number; frame: number },
      );
      if (errors.length > 0) console.log(`console errors: ${errors.join('; ')}`);
      await page.close();
    }
    const median = (key: keyof (typeof samples)[number]): string => samples.map((s) => s[key]).sort((a, b) => a - b)[1]!.toFixed(0);
    console.log(`Chromium (median of 3): first contentful paint ${median('fcp')} ms, load event ${median('load')} ms, timeline drawn ${median('ready')} ms, a full timeline frame ${median('frame')} ms`);
  } finally {
    await browser.close();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
