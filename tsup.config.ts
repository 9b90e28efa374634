import { writeFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

const libraryEntries = { index: 'src/index.ts', 'oss/index': 'src/oss/index.ts', 'testing/index': 'src/testing/index.ts' };
// The entries import each other by the package's name, as users do, so each one loads the others
// instead of carrying its own copy of the core (one HeartbeatReadable class per process).
const ownEntries = /^heartbeat-readable(\/.*)?$/;
const common = { target: 'node20', platform: 'node', sourcemap: true, splitting: false, external: [ownEntries] } satisfies Options;

export default defineConfig([
  {
    ...common,
    entry: libraryEntries,
    // CommonJS only: the ESM files are wrappers written below, so an `import` and a `require` in one
    // process share one module instance (Node's advice against the dual package hazard).
    format: ['cjs'],
    dts: true,
    onSuccess: async () => {
      for (const name of Object.keys(libraryEntries)) {
        const base = name.slice(name.lastIndexOf('/') + 1);
        await writeFile(`dist/${name}.js`, `export * from './${base}.cjs';\n`);
        await writeFile(`dist/${name}.d.ts`, `export * from './${base}.cjs';\n`);
      }
    },
  },
  {
    ...common,
    entry: { 'cli/heartbeat-put': 'src/cli/heartbeat-put.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
