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
    // Much of the suite's time is waiting (timers, servers, child processes), not computing: Vitest's
    // default of one worker fewer than the cores would run every file in turn on a 2-core machine (117 s).
    // On 2 cores: three workers 31-33 s (37 s with a busy loop on one core); four 26-29 s (34 s), but a test
    // process was then seen to stall for 385 ms, against 320 ms at most with three. Most real-time tests leave
    // a heartbeat 850 ms or more of lateness.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // A worker runs file after file without starting afresh: starting afresh (loading Vitest, ali-oss and the
    // sources again for each file) took a third of the suite's CPU, 70 s against 48 s, and with three workers
    // made the run 44 s instead of 35 s. So a file leaves the process as it found it: fake timers restored,
    // servers and clients closed, no global changed that another file relies on (Vitest restores spies
    // between files itself).
    isolate: false,
  },
});
