import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and end-to-end tests that run on the real Temporal dev server and
// the real RabbitMQ broker (started by scripts/services.sh and test/helpers/global-setup.ts).
export default defineConfig({
  test: {
    // Never read an operator's config.yml from the working tree: every test says what it configures.
    env: { CONFIG_FILE: '/dev/null' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          globalSetup: ['test/helpers/check-fixtures.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/check-fixtures.ts', 'test/helpers/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One file at a time: the files share one dev server and one broker on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
