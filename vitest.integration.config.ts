import { defineConfig } from 'vitest/config';

// Slow suite: real multi-process clusters under faults. Run by `npm run test:integration` and by CI.
// Two files at a time: a run's wall time is mostly its workload's time limit (paced ops, waiting on
// faults), not CPU, so two clusters side by side halve the suite on a 2-core machine.
export default defineConfig({
  test: {
    include: ['{src,workloads,nemesis,checkers,reports}/**/*.integration.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
