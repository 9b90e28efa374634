import { readFile, writeFile } from 'node:fs/promises';
import { build, defineConfig, type Options } from 'tsup';

const libraryEntries = { index: 'src/index.ts', 'oss/index': 'src/oss/index.ts', 'testing/index': 'src/testing/index.ts' };
// The entries import each other by the package's name, as users do, so each one loads the others
// instead of carrying its own copy of the core (one HeartbeatReadable class per process).
const ownEntries = /^heartbeat-readable(\/.*)?$/;
const common = { target: 'node20', platform: 'node', sourcemap: true, splitting: false, external: [ownEntries] } satisfies Options;

/**
 * Dependencies whose types say `export = X`. A default import reaches such an X only with esModuleInterop, and the
 * declaration bundler (rollup-plugin-dts) writes every import of one as a default import, `import X = require()`
 * included. The .d.cts files are CommonJS, and the .d.ts files only re-export them, so `import X = require()`
 * is right for every user: CommonJS or ESM, with or without esModuleInterop.
 */
const exportEquals = ['ali-oss'];

/** The .d.cts files, then the .d.ts files that re-export them; after the JavaScript, so they are written last. */
async function writeDeclarations(): Promise<void> {
  await build({ ...common, entry: libraryEntries, format: ['cjs'], dts: { only: true }, config: false, silent: true });
  const defaultImport = new RegExp(`^import (\\w+) from '(${exportEquals.join('|')})';$`, 'gm');
  for (const name of Object.keys(libraryEntries)) {
    const file = `dist/${name}.d.cts`;
    await writeFile(file, (await readFile(file, 'utf8')).replace(defaultImport, "import $1 = require('$2');"));
    const base = name.slice(name.lastIndexOf('/') + 1);
    await writeFile(`dist/${name}.d.ts`, `export * from './${base}.cjs';\n`);
  }
}

export default defineConfig([
  {
    ...common,
    entry: libraryEntries,
    // CommonJS only: the ESM files are wrappers written below, so an `import` and a `require` in one
    // process share one module instance (Node's advice against the dual package hazard).
    format: ['cjs'],
    onSuccess: async () => {
      for (const name of Object.keys(libraryEntries)) {
        const base = name.slice(name.lastIndexOf('/') + 1);
        await writeFile(`dist/${name}.js`, `export * from './${base}.cjs';\n`);
      }
      await writeDeclarations();
    },
  },
  {
    ...common,
    // The package.json bins: one file each, every one carrying the CLI code it uses.
    entry: {
      'cli/heartbeat-put': 'src/cli/heartbeat-put.ts',
      'cli/heartbeat-tail': 'src/cli/heartbeat-tail.ts',
      'cli/heartbeat-local-oss': 'src/cli/heartbeat-local-oss.ts',
    },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
