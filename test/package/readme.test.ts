/**
 * Every code block in README.md runs here, against the installed tarball: a README sentence is a claim,
 * and its code is the part a test can check word for word. A block is run according to what it is:
 * - ```ts / ```js: a script (tsx), or a test file for the framework it imports (vitest, jest, node:test);
 * - ```sh: bash, with the installed bin on PATH, OSS_* pointing at a local server, and a stand-in `make`;
 *   `npm i heartbeat-readable` installs the tarball into a fresh project instead of the registry's;
 * - a block after `<!-- output of CMD -->` must equal what CMD prints;
 * - a block after `<!-- run by FILE -->` is a contributor command that FILE runs verbatim (CI, the demo test).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, INSTALLED, installedPackage } from './installed.js';
import type { LocalOss, startLocalOss } from '../../src/testing/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_MODULES = join(ROOT, 'node_modules');

interface Block {
  line: number;
  lang: string;
  code: string;
  note: string | undefined;
}

export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '```') body.push(lines[i]!);
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous--;
    const note = /^<!--\s*(.*?)\s*-->$/.exec(lines[previous] ?? '')?.[1];
    blocks.push({ line: start + 1, lang: open[1]!, code: `${body.join('\n')}\n`, note });
  }
  return blocks;
}

const blocks = codeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

let local: LocalOss;
let env: Record<string, string>;
const work = join(INSTALLED, 'readme');

beforeAll(async () => {
  await installedPackage();
  mkdirSync(work, { recursive: true });
  // The installed testing entry, as a user's test would load it.
  const testing = (await import(join(INSTALLED, 'node_modules', 'heartbeat-readable', 'dist', 'testing', 'index.js'))) as {
    startLocalOss: typeof startLocalOss;
  };
  local = await testing.startLocalOss();
  const stubs = mkdtempSync(join(tmpdir(), 'readme-bin-'));
  // A stand-in for the user's build: two steps with a short silence between them.
  writeFileSync(join(stubs, 'make'), '#!/bin/sh\necho "[1/2] compile"\nsleep 0.2\necho "[2/2] link"\n');
  chmodSync(join(stubs, 'make'), 0o755);
  env = {
    PATH: [join(INSTALLED, 'node_modules', '.bin'), stubs, process.env.PATH ?? ''].join(':'),
    HOME: process.env.HOME ?? tmpdir(),
    OSS_ENDPOINT: local.endpoint,
    OSS_BUCKET: local.bucket,
    OSS_REGION: 'oss-cn-hangzhou',
    OSS_ACCESS_KEY_ID: local.accessKeyId,
    OSS_ACCESS_KEY_SECRET: local.accessKeySecret,
  };
}, 120_000);

afterAll(async () => {
  await local?.close();
});

async function run(command: string, args: string[], cwd = work): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(command, args, { cwd, env, maxBuffer: 16 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

function fileFor(block: Block, name: string): string {
  const file = join(work, `line-${block.line}-${name}`);
  writeFileSync(file, block.code);
  return file;
}

type Runner = (block: Block) => Promise<{ code: number; stdout: string; stderr: string }>;

const runners: Record<string, Runner> = {
  script: (block) => run(process.execPath, ['--import', 'tsx', fileFor(block, 'script.mts')]),
  vitest: async (block) => {
    const dir = join(work, `vitest-${block.line}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
    writeFileSync(join(dir, 'readme.test.ts'), block.code);
    return run(process.execPath, [join(NODE_MODULES, 'vitest', 'vitest.mjs'), 'run', '--root', dir], dir);
  },
  jest: async (block) => {
    const dir = join(work, `jest-${block.line}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'jest.config.cjs'), "module.exports = { testEnvironment: 'node' };\n");
    writeFileSync(join(dir, 'readme.test.js'), block.code);
    return run(process.execPath, [join(NODE_MODULES, 'jest', 'bin', 'jest.js'), '--rootDir', dir], dir);
  },
  'node:test': (block) => run(process.execPath, ['--import', 'tsx', '--test', fileFor(block, 'readme.test.mts')]),
  sh: (block) => run('bash', ['-euo', 'pipefail', '-c', block.code]),
  install: async () => {
    const project = mkdtempSync(join(tmpdir(), 'readme-install-'));
    try {
      writeFileSync(join(project, 'package.json'), '{ "name": "a-user-project", "private": true }\n');
      const tarball = join(INSTALLED, 'heartbeat-readable.tgz');
      const result = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
      const loaded = await run(process.execPath, ['-e', "require('heartbeat-readable'); require('heartbeat-readable/oss')"], project);
      return { ...result, code: result.code || loaded.code };
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  },
};

function runnerFor(block: Block): string {
  if (['ts', 'js'].includes(block.lang)) {
    if (block.code.includes("from 'vitest'")) return 'vitest';
    if (block.code.includes("'@jest/globals'")) return 'jest';
    if (block.code.includes("from 'node:test'")) return 'node:test';
    return 'script';
  }
  if (block.lang === 'sh') return /^npm (i|install) heartbeat-readable\s*$/.test(block.code) ? 'install' : 'sh';
  throw new Error(`README line ${block.line}: a \`\`\`${block.lang || '(no language)'} block needs a note saying how it is checked`);
}

describe('README.md', () => {
  it('has code blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  for (const block of blocks) {
    const [kind, target] = /^(output of|run by) (.+)$/.exec(block.note ?? '')?.slice(1) ?? [];
    if (kind === 'run by') {
      it(`line ${block.line}: ${block.code.trim()} is run verbatim by ${target}`, () => {
        expect(existsSync(join(ROOT, target!))).toBe(true);
        const runner = readFileSync(join(ROOT, target!), 'utf8');
        for (const command of block.code.trim().split('\n')) expect(runner).toContain(command.replace(/^npm ci && /, ''));
      });
    } else if (kind === 'output of') {
      it(`line ${block.line}: is what \`${target}\` prints`, async () => {
        const [command, ...args] = target!.split(' ');
        const result = await run(command === 'heartbeat-put' ? BIN : command!, args);
        expect(result.stdout).toBe(block.code);
      });
    } else {
      const runner = runnerFor(block);
      it(`line ${block.line}: runs (${runner})`, async () => {
        const result = await runners[runner]!(block);
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        // Test runners report on stderr, and npm prints its own notices; a script or a shell step says nothing there.
        if (runner === 'script' || runner === 'sh') expect(result.stderr).toBe('');
      }, 60_000);
    }
  }
});
