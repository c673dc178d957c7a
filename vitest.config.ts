import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Every bin a test starts (and every node of a test's cloud) runs the TypeScript sources, never
    // a build in dist/ that may be older: the tests check what is on disk (bin/run-entry.mjs).
    env: { FAAFO_RUN_TS: '1' },
    // Service-backed end-to-end tests start real processes; give them room but keep a hard bound.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Files that start processes and bind ports run one at a time on a 2-core machine.
    fileParallelism: false,
    reporters: ['default'],
  },
});
