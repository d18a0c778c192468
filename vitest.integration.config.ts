import { defineConfig } from 'vitest/config';

// Slow suite: real multi-process clusters under faults. Run by `npm run test:integration` and by CI.
export default defineConfig({
  test: {
    include: ['{src,workloads,nemesis,checkers,reports}/**/*.integration.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
