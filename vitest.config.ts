import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // The entries import each other by the package's name (see tsup.config.ts); in tests that is the source.
  resolve: {
    alias: [
      { find: /^heartbeat-readable$/, replacement: src('index.ts') },
      { find: /^heartbeat-readable\/oss$/, replacement: src('oss/index.ts') },
      { find: /^heartbeat-readable\/testing$/, replacement: src('testing/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The package tests write user projects there, test files included, and run them with their own runners.
    exclude: ['test/package/.installed/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    // Most of the suite's time is waiting (timers, servers, child processes), not computing: Vitest's
    // default of one worker fewer than the cores would run every file in turn on a 2-core machine (117 s;
    // two workers: 60 s). Three were faster still, but left too little of the real-time tests' margins.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
