import { defineConfig } from 'vitest/config';

// Three suites: pure code (unit), real components a user account can run
// (integration: private buses, dconf, flatpak --user, systemd --user), and
// components that need root (system: a booted systemd container).
export default defineConfig({
  test: {
    // Under CI, each run also writes its counts, which .ci/run sums into one closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: `.ci-results/${process.env.npm_lifecycle_event ?? 'vitest'}.json` }]] : ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
