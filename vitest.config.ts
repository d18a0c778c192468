import { defineConfig } from 'vitest/config';

// Fast suite: pure parts and small real clusters. Slow chaos suites live in vitest.integration.config.ts.
export default defineConfig({
  test: {
    include: ['{src,workloads,nemesis,checkers,reports,bench}/**/*.test.ts'],
    exclude: ['**/*.integration.test.ts', '**/*.docker.test.ts', 'node_modules', 'dist'],
    testTimeout: 30_000,
  },
});
