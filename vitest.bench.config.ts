import { defineConfig } from 'vitest/config';

// Benchmarks that need real clusters and print figures (npm run bench:kv); not part of CI's suites.
export default defineConfig({
  test: {
    include: ['src/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
