import { defineConfig } from 'vitest/config';

// The example's own tests (it has no parent suite): real nats-server processes, so generous timeouts.
export default defineConfig({
  test: {
    include: ['*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
