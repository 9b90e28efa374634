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
  },
});
