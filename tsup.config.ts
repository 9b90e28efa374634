import { defineConfig } from 'tsup';

const common = { target: 'node20', platform: 'node', sourcemap: true, splitting: false } as const;

export default defineConfig([
  {
    ...common,
    // Each entry is bundled on its own, so the root entry never loads ali-oss.
    entry: { index: 'src/index.ts', 'oss/index': 'src/oss/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
  },
  {
    ...common,
    entry: { 'cli/heartbeat-put': 'src/cli/heartbeat-put.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
