import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage } from './installed.js';

beforeAll(installedPackage, 120_000);

const FIXTURES = join(import.meta.dirname, 'types');
const TSC = join(import.meta.dirname, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

/** How a user's project may resolve modules, and the file extension that makes its files ESM or CommonJS there. */
const resolutions = [
  { name: 'node16, CommonJS files', module: 'node16', moduleResolution: 'node16', extension: '.cts' },
  // Checking every declaration file (ours, @types/node's) takes most of a run: once per lib is enough.
  { name: 'nodenext, ESM files', module: 'nodenext', moduleResolution: 'nodenext', extension: '.mts', checkDeclarations: true },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', extension: '.ts' },
  { name: 'node10', module: 'commonjs', moduleResolution: 'node10', extension: '.ts' },
] as const;
const libs = [
  { name: 'without the DOM lib', lib: ['es2022'] },
  { name: 'with the DOM lib', lib: ['esnext', 'dom', 'dom.iterable'] },
] as const;

describe.each(resolutions)('the types, $name', (resolution) => {
  it.concurrent.each(libs)('compile strictly, $name', async ({ name, lib }) => {
    const dir = join(INSTALLED, 'types', `${resolution.moduleResolution}-${resolution.extension.slice(1)}-${name.replaceAll(' ', '-')}`);
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(FIXTURES)) {
      copyFileSync(join(FIXTURES, file), join(dir, file.replace(/\.ts$/, resolution.extension)));
    }
    const compilerOptions = {
      module: resolution.module,
      moduleResolution: resolution.moduleResolution,
      target: 'es2022',
      lib,
      types: ['node'],
      strict: true,
      noEmit: true,
      // A user without skipLibCheck must not see errors in the package's .d.ts files.
      skipLibCheck: !('checkDeclarations' in resolution),
      esModuleInterop: true,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*'] }));
    const result = await promisify(execFile)(process.execPath, [TSC, '-p', dir]).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
  });
});
