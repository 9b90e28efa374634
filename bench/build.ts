import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where bench/product.ts finds the build; child processes inherit it. */
export const BUILD_ENV = 'HEARTBEAT_BENCH_BUILD';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Compiles src/ (and the seed, so the baseline gets the same treatment) with tsup into a temporary
 * folder, as `npm run build` does for the package: each entry bundled on its own, dependencies left
 * external. Returns the folder and a function that removes it.
 *
 * The folder is under node_modules/.cache: there the bundles find the package's dependencies, and tsx
 * leaves them alone (outside node_modules it recompiles plain .js with keepNames too), and a
 * package.json of its own marks them as ES modules.
 */
export async function buildProduct(): Promise<{ dir: string; remove: () => Promise<void> }> {
  // Imported here, not at the top: every bench process imports this file for BUILD_ENV, and only the runner builds.
  const { build } = await import('tsup');
  const cache = path.join(root, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(path.join(cache, 'heartbeat-bench-'));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await build({
    config: false,
    silent: true,
    entry: {
      index: path.join(root, 'src/index.ts'),
      'oss/index': path.join(root, 'src/oss/index.ts'),
      'testing/index': path.join(root, 'src/testing/index.ts'),
      'seed-oss-read-stream': path.join(root, 'bench/seed-oss-read-stream.ts'),
    },
    outDir: dir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    dts: false,
    sourcemap: false,
  });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
