import { defineConfig } from 'vitest/config';

// Docker suite: the docker runtime, faults inside containers, cleanup after a killed run. Needs a
// running Docker engine; run by `npm run test:docker` and by CI (which installs and starts Docker).
export default defineConfig({
  test: {
    include: ['{src,nemesis}/**/*.docker.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
