// The defaults of a test's own options and the runtimes it may name, apart from spec.ts so the
// command line can show them without loading the resolver (and the runtimes it probes).
import { RUNTIME_NAMES } from './define/db.js';

export const RUNTIMES = RUNTIME_NAMES;

export const DEFAULTS = {
  nodes: 5,
  concurrency: '2n',
  timeLimitS: 30,
  workload: 'register',
  nemesis: 'partition',
  nemesisIntervalS: 5,
  runtime: 'local',
  db: 'bundled',
  rate: 100,
  opTimeoutMs: 3000,
  readyTimeoutS: 30,
  checkTimeoutS: 60,
  storeDir: 'store',
} as const;
