import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Service-backed end-to-end tests start real processes; give them room but keep a hard bound.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Files that start processes and bind ports run one at a time on a 2-core machine.
    fileParallelism: false,
    reporters: ['default'],
  },
});
