// A small store for the tests of `faultline serve`: a valid run, an invalid one whose test name and
// checker summary are hostile HTML, a run whose controller died (no results.json), a crashed run
// (run.json says why), a `latest` link,
// a secret file next to the store and a symlink that points at it from inside a run.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HOSTILE = '<img src=x onerror="window.__pwned=1">';
export const SECRET = 'top secret: outside the store';

export interface FixtureStore {
  store: string;
  secretPath: string;
  runs: { valid: string; invalid: string; incomplete: string; crashed: string };
}

/** Writes the fixture under `root` (store/ and secret.txt) and returns its paths. */
export function writeFixtureStore(root: string): FixtureStore {
  const store = join(root, 'store');
  const secretPath = join(root, 'secret.txt');
  writeFileSync(secretPath, SECRET);
  const valid = writeRun(store, 'bundled-raft-register-partition', '20261120T010000', {
    test: { name: 'bundled-raft-register-partition', seed: 11 },
    results: {
      valid: true,
      results: {
        linearizable: { valid: true, summary: '14 keys linearizable' },
        stats: { valid: true, summary: '1467 ops', throughputPerS: 60.5, latencyMs: { read: { p50: 5.7, p90: 9, p99: 55.2, max: 80 } } },
      },
    },
  });
  const invalid = writeRun(store, 'bundled-primary-register-partition', '20261121T010000', {
    test: { name: `primary ${HOSTILE}`, seed: 12 },
    results: { valid: false, results: { linearizable: { valid: false, summary: `key 3 not linearizable ${HOSTILE}` } } },
  });
  const incomplete = writeRun(store, 'bundled-raft-set-kill', '20261122T010000', { test: { name: 'bundled-raft-set-kill', seed: 13 } });
  const crashed = writeRun(store, 'bundled-raft-counter-kill', '20261119T010000', {
    test: { name: 'bundled-raft-counter-kill', seed: 14 },
    results: { valid: true, results: { stats: { valid: true, summary: '12 ops' } } },
    run: { startedAt: '2026-11-19T01:00:00.000Z', durationMs: 4200, crashed: 'nodes n1, n2 not ready within 30 s' },
  });
  symlinkSync(secretPath, join(valid, 'nodes', 'n1', 'escape.txt'));
  symlinkSync(join('bundled-raft-set-kill', '20261122T010000'), join(store, 'latest'));
  return { store, secretPath, runs: { valid, invalid, incomplete, crashed } };
}

function writeRun(store: string, test: string, time: string, files: { test: object; results?: object; run?: object }): string {
  const dir = join(store, test, time);
  mkdirSync(join(dir, 'nodes', 'n1'), { recursive: true });
  writeFileSync(join(dir, 'test.json'), JSON.stringify(files.test));
  writeFileSync(join(dir, 'history.jsonl'), '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}\n');
  writeFileSync(join(dir, 'nodes', 'n1', 'node.log'), `node log of ${test}\n`);
  if (files.run) writeFileSync(join(dir, 'run.json'), JSON.stringify(files.run));
  if (files.results) {
    writeFileSync(join(dir, 'results.json'), JSON.stringify(files.results));
    writeFileSync(join(dir, 'report.html'), `<!doctype html><html><head><meta charset="utf-8"><title>report ${test}</title></head><body><h1>report of ${test}</h1></body></html>\n`);
  }
  return dir;
}
