import { defineConfig } from 'vitest/config';

/** End-to-end tests: the built renderer in headless Chromium against `vlsm-audit serve` (npm run test:e2e). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
