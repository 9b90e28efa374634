import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as Core from '../../src/index.js';
import type * as Oss from '../../src/oss/index.js';
import type * as Testing from '../../src/testing/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A project that has installed the packed tarball, as a user's would: `node_modules/heartbeat-readable` holds
 * exactly the files `npm pack` ships, and its dependencies resolve from the repository's node_modules above.
 */
export const INSTALLED = join(ROOT, 'test', 'package', '.installed');
export const PACKAGE_DIR = join(INSTALLED, 'node_modules', 'heartbeat-readable');
export const BIN = join(INSTALLED, 'node_modules', '.bin', 'heartbeat-put');

const STAMP = join(INSTALLED, 'built-at');
const LOCK = `${INSTALLED}.lock`;

/**
 * Installs the current build once, whichever package test file asks first: test files run in parallel
 * workers, so a lock directory (mkdir is atomic) keeps them from packing at the same time.
 */
export async function installedPackage(): Promise<void> {
  const builtAt = await completeBuild();
  for (;;) {
    if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === builtAt) return;
    try {
      mkdirSync(LOCK);
    } catch {
      await sleep(100);
      continue;
    }
    try {
      if (!existsSync(STAMP) || readFileSync(STAMP, 'utf8') !== builtAt) {
        installPackedPackage();
        writeFileSync(STAMP, builtAt);
      }
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

/** Every file package.json points at (exports' targets, the bin), by their paths in the repository. */
function packageFiles(): string[] {
  const { exports, bin } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: unknown; bin: unknown };
  const paths = JSON.stringify([exports, bin]).match(/(?<=")\.\/dist\/[^"]+(?=")/g) ?? [];
  return [...new Set(paths)].map((path) => join(ROOT, path));
}

/**
 * The build's time (its newest file's), once every file package.json points at exists: the build writes the
 * declarations seconds after the JavaScript, and a build started meanwhile (rm -rf dist first) is waited for.
 */
async function completeBuild(): Promise<string> {
  const files = packageFiles();
  for (let waited = 0; ; waited += 100) {
    const missing = files.filter((file) => !existsSync(file));
    if (missing.length === 0) return String(Math.max(...files.map((file) => statSync(file).mtimeMs)));
    if (waited === 0 && missing.length === files.length && !existsSync(join(ROOT, 'dist'))) {
      throw new Error('dist/ is missing: the package tests need `npm run build` first (npm test runs it)');
    }
    if (waited >= 120_000) throw new Error(`the build in dist/ is incomplete after 2 minutes: no ${missing.join(', ')}`);
    await sleep(100);
  }
}

/** Packs the built package and installs the tarball into INSTALLED (and a second copy beside it). */
function installPackedPackage(): void {
  rmSync(INSTALLED, { recursive: true, force: true });
  mkdirSync(INSTALLED, { recursive: true });
  writeFileSync(join(INSTALLED, 'package.json'), `${JSON.stringify({ name: 'installed-fixture', private: true })}\n`);
  // Stops tsx and vitest from finding the repository's tsconfig, whose paths point the package name at src/.
  writeFileSync(join(INSTALLED, 'tsconfig.json'), '{}\n');
  execFileSync('npm', ['pack', '--silent', '--pack-destination', INSTALLED], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(INSTALLED).find((name) => name.endsWith('.tgz'))!;
  renameSync(join(INSTALLED, tarball), join(INSTALLED, 'heartbeat-readable.tgz'));
  // Two copies, as when two dependencies each bring their own: the stream brand must work across them.
  for (const home of [INSTALLED, join(INSTALLED, 'second-copy')]) {
    const modules = join(home, 'node_modules');
    mkdirSync(modules, { recursive: true });
    execFileSync('tar', ['-xzf', join(INSTALLED, 'heartbeat-readable.tgz'), '-C', modules]);
    renameSync(join(modules, 'package'), join(modules, 'heartbeat-readable'));
  }
  mkdirSync(dirname(BIN), { recursive: true });
  symlinkSync('../heartbeat-readable/dist/cli/heartbeat-put.js', BIN);
}

/** The installed package's three entries, loaded into this process as an ESM user's code loads them. */
export async function importInstalled(): Promise<{ core: typeof Core; oss: typeof Oss; testing: typeof Testing }> {
  await installedPackage();
  const entry = (path: string): Promise<unknown> => import(join(PACKAGE_DIR, 'dist', path, 'index.js'));
  const [core, oss, testing] = await Promise.all([entry(''), entry('oss'), entry('testing')]);
  return { core: core as typeof Core, oss: oss as typeof Oss, testing: testing as typeof Testing };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script in the installed project with plain Node (no loader, no aliases): `heartbeat-readable`
 * resolves through the tarball's exports map. `kind` picks the module system.
 */
export async function runInstalled(kind: 'mjs' | 'cjs', source: string, env: Record<string, string> = {}): Promise<Run> {
  const file = join(INSTALLED, `script-${process.pid}-${Math.random().toString(36).slice(2)}.${kind}`);
  writeFileSync(file, source);
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
      cwd: INSTALLED,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  } finally {
    rmSync(file, { force: true });
  }
}
