// Writes the sample report (and optionally a large synthetic one) to disk, to look at in a browser:
//   npx tsc -p test-support/tsconfig.scripts.json && node dist/test-support/render-sample.js /tmp/report.html [opCount /tmp/large.html]
import { writeFileSync } from 'node:fs';
import { renderReport } from '../reports/render-report.js';
import { sampleRun, syntheticRun } from './sample-run.js';

const [out = 'report.html', opCount, largeOut = 'report-large.html'] = process.argv.slice(2);
writeFileSync(out, renderReport(sampleRun()));
console.log(`wrote ${out}`);
if (opCount !== undefined) {
  let t = performance.now();
  const input = syntheticRun(Number(opCount));
  const generatedMs = performance.now() - t;
  t = performance.now();
  const html = renderReport(input);
  const renderMs = performance.now() - t;
  writeFileSync(largeOut, html);
  console.log(`wrote ${largeOut}: ${input.history.length} ops, generated in ${generatedMs.toFixed(0)} ms, rendered in ${renderMs.toFixed(0)} ms, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB`);
}
