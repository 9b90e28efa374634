/**
 * Every code block in README.md runs here, against the installed tarball: a README sentence is a claim,
 * and its code is the part a test can check word for word. A block is run according to what it is:
 * - ```ts / ```js: a script (tsx), or a Vitest test file if it imports vitest;
 * - ```sh: bash, with the installed bin on PATH, OSS_* pointing at a local server, and a stand-in `make`;
 *   `npm i heartbeat-readable` installs the tarball into a fresh project instead of the registry's;
 * - a block after `<!-- output of CMD -->` must equal what CMD prints;
 * - a block after `<!-- run by FILE -->` is a contributor command that FILE runs verbatim (CI, the demo test).
 * Every link works from the npm page, where the tarball's files are all there is: none is relative, and one to a file
 * of the repository is an absolute GitHub URL (from package.json's repository) to a file that exists here. A list item
 * that links an example names only code that the example holds (the fake-timer recipes: fake-timers.test.ts runs them).
 * The README's npx command works against the packed tarball.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage, PACKAGE_DIR } from './installed.js';
import { README as readme, README_BLOCKS as blocks, type Block } from './readme-blocks.js';
import { PassThrough } from 'node:stream';
import type * as Oss from '../../src/oss/index.js';
import type { LocalOss, startLocalOss } from '../../src/testing/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_MODULES = join(ROOT, 'node_modules');

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
  bin?: Record<string, string>;
};
/** A command as the installed package runs it: the file package.json's `bin` names for it, else the command itself. */
const commandFile = (command: string): string => {
  const file = packageJson.bin?.[command];
  return file === undefined ? command : join(PACKAGE_DIR, file);
};
/** The repository on GitHub, as package.json names it: git+https://github.com/o/r.git gives https://github.com/o/r. */
const REPOSITORY = (packageJson.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
/** Where a link to a file of the repository leads: the file on the main branch. */
const FILES = `${REPOSITORY}/blob/main/`;

/** Every link's target (Markdown, and HTML's href and src), with the list item it is in (`undefined` outside lists). */
function links(markdown: string): Array<{ target: string; item: string | undefined }> {
  const items = markdown.split(/\n(?=- |\S)/);
  return items.flatMap((item) =>
    [...item.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)|\b(?:href|src)="([^"]+)"/g)].map(([, markdown, html]) => ({
      target: (markdown ?? html)!,
      item: item.startsWith('- ') ? item : undefined,
    })),
  );
}

/** A link the npm page cannot follow: no scheme, so it is resolved against a page that holds only the tarball. */
const isRelative = (target: string): boolean => !/^[a-z][a-z\d+.-]*:/i.test(target) && !target.startsWith('#');

/** The repository file an absolute link names, without its anchor. */
const fileOf = (target: string): string => decodeURIComponent(target.slice(FILES.length).replace(/#.*$/, ''));

let testing: { startLocalOss: typeof startLocalOss };
let oss: Pick<typeof Oss, 'appendStream' | 'createOssClient'>;
let uploadSink: Server;
let baseEnv: Record<string, string>;
const work = join(INSTALLED, 'readme');

beforeAll(async () => {
  await installedPackage();
  mkdirSync(work, { recursive: true });
  // The installed testing entry, as a user's test would load it.
  testing = (await import(join(INSTALLED, 'node_modules', 'heartbeat-readable', 'dist', 'testing', 'index.js'))) as typeof testing;
  oss = (await import(join(INSTALLED, 'node_modules', 'heartbeat-readable', 'dist', 'oss', 'index.js'))) as typeof oss;
  // Where the "any HTTP client" example sends its body: any server that takes a PUT.
  uploadSink = createServer((req, res) => req.resume().on('end', () => res.end()));
  await once(uploadSink.listen(0, '127.0.0.1'), 'listening');
  const stubs = mkdtempSync(join(tmpdir(), 'readme-bin-'));
  // A stand-in for the user's build: two steps with a short silence between them.
  writeFileSync(join(stubs, 'make'), '#!/bin/sh\necho "[1/2] compile"\nsleep 0.2\necho "[2/2] link"\n');
  chmodSync(join(stubs, 'make'), 0o755);
  baseEnv = {
    PATH: [join(INSTALLED, 'node_modules', '.bin'), stubs, process.env.PATH ?? ''].join(':'),
    HOME: process.env.HOME ?? tmpdir(),
    UPLOAD_URL: `http://127.0.0.1:${(uploadSink.address() as AddressInfo).port}/logs/build-42.log`,
  };
}, 120_000);

afterAll(() => {
  uploadSink?.close();
});

/**
 * Each block gets a bucket of its own: a fresh local OSS server, as OSS_* variables. `written`: a key that a build
 * (appendStream from the installed package) writes while the block runs, for a block that follows a live log.
 */
async function withLocalOss<T>(use: (env: Record<string, string>) => Promise<T>, written?: string): Promise<T> {
  const local: LocalOss = await testing.startLocalOss();
  const build = written === undefined ? undefined : writeLog(local, written);
  try {
    await build?.started;
    return await use({
      ...baseEnv,
      OSS_ENDPOINT: local.endpoint,
      OSS_BUCKET: local.bucket,
      OSS_REGION: 'oss-cn-hangzhou',
      OSS_ACCESS_KEY_ID: local.accessKeyId,
      OSS_ACCESS_KEY_SECRET: local.accessKeySecret,
    });
  } finally {
    await build?.done;
    await local.close();
  }
}

/** What writeLog writes: a block that follows the log prints it whole. */
const WRITTEN_LOG = '[1/2] compile\n[2/2] link\n';

/** A build's log written to `key` line by line, with pauses, as a runner does; `started` once the first line is stored. */
function writeLog(local: LocalOss, key: string): { started: Promise<void>; done: Promise<void> } {
  const source = new PassThrough();
  const client = oss.createOssClient(local.clientOptions());
  const done = oss.appendStream(client, key, source, { flushIntervalMs: 50 }).then(() => {
    (client as unknown as { agent: { destroy(): void } }).agent.destroy();
  });
  source.write(WRITTEN_LOG.slice(0, 14));
  const started = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (local.getObject(key) === undefined) return;
      clearInterval(poll);
      resolve();
    }, 20);
  });
  setTimeout(() => source.end(WRITTEN_LOG.slice(14)), 300);
  return { started, done };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>, command: string, args: string[], cwd = work): Promise<Result> {
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

type Runner = (block: Block, env: Record<string, string>) => Promise<Result>;

const runners: Record<string, Runner> = {
  script: (block, env) => run(env, process.execPath, ['--import', 'tsx', fileFor(block, 'script.mts')]),
  vitest: async (block, env) => {
    const dir = join(work, `vitest-${block.line}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
    writeFileSync(join(dir, 'readme.test.ts'), block.code);
    return run(env, process.execPath, [join(NODE_MODULES, 'vitest', 'vitest.mjs'), 'run', '--root', dir], dir);
  },
  // Offline: `npx -p heartbeat-readable` must find the installed tarball, never a package of that name in the registry.
  sh: (block, env) => run({ ...env, npm_config_offline: 'true' }, 'bash', ['-euo', 'pipefail', '-c', block.code]),
  install: async (_block, env) => {
    const project = mkdtempSync(join(tmpdir(), 'readme-install-'));
    try {
      writeFileSync(join(project, 'package.json'), '{ "name": "a-user-project", "private": true }\n');
      const tarball = join(INSTALLED, 'heartbeat-readable.tgz');
      const result = await run(env, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
      const loaded = await run(env, process.execPath, ['-e', "require('heartbeat-readable'); require('heartbeat-readable/oss')"], project);
      return { ...result, code: result.code || loaded.code };
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  },
};

/** npm's stderr, split into its install-scripts notice (which packages it names) and anything else. */
function npmWarnings(stderr: string): { others: string[]; packagesWithScripts: string[] } {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  return {
    others: lines.filter((line) => !line.startsWith('npm warn install-scripts')),
    packagesWithScripts: lines.flatMap((line) => /^npm warn install-scripts\s+(\S+)@\d/.exec(line)?.[1] ?? []),
  };
}

function runnerFor(block: Block): string {
  if (['ts', 'js'].includes(block.lang)) {
    return block.code.includes("from 'vitest'") ? 'vitest' : 'script';
  }
  if (block.lang === 'sh') return /^npm (i|install) heartbeat-readable\s*$/.test(block.code) ? 'install' : 'sh';
  throw new Error(`README line ${block.line}: a \`\`\`${block.lang || '(no language)'} block needs a note saying how it is checked`);
}

describe('README.md', () => {
  it('has code blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it("package.json names the repository, its home page and where bugs go: the npm page's sidebar", () => {
    expect(packageJson.repository).toEqual({ type: 'git', url: 'git+https://github.com/heartbeat-readable/heartbeat-readable.git' });
    expect(packageJson.homepage).toBe(`${REPOSITORY}#readme`);
    expect(packageJson.bugs).toEqual({ url: `${REPOSITORY}/issues` });
  });

  const all = links(readme);
  it('has no relative link: on the npm page it would lead nowhere', () => {
    expect(all.map(({ target }) => target).filter(isRelative)).toEqual([]);
  });

  it('links into the repository only to files on its main branch', () => {
    const intoRepository = all.filter(({ target }) => target.startsWith(`${REPOSITORY}/`));
    expect(intoRepository.length).toBeGreaterThan(0);
    expect(intoRepository.map(({ target }) => target).filter((target) => !target.startsWith(FILES))).toEqual([]);
  });

  const fileLinks = all.filter(({ target }) => target.startsWith(FILES));
  it.each(fileLinks)('the link to $target leads to a file of the repository', ({ target }) => {
    const file = join(ROOT, fileOf(target));
    expect(existsSync(file) && statSync(file).isFile(), `${fileOf(target)} is a file here`).toBe(true);
  });

  const examplesInLists = fileLinks.filter(({ target, item }) => item !== undefined && fileOf(target).startsWith('examples/'));
  it.each(examplesInLists)('the list item linking $target names only code the example holds', ({ target, item }) => {
    const example = readFileSync(join(ROOT, fileOf(target)), 'utf8');
    const named = [...item!.replaceAll(/\n\s+/g, ' ').matchAll(/`([^`]+)`/g)].map(([, code]) => code!);
    expect(named.filter((code) => !example.includes(code))).toEqual([]);
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
        const result = await run(baseEnv, commandFile(command!), args);
        expect(result.stdout).toBe(block.code);
      });
    } else {
      const runner = runnerFor(block);
      const written = /^while (\S+) is written$/.exec(block.note ?? '')?.[1];
      it(`line ${block.line}: runs (${runner})${written === undefined ? '' : ` while ${written} is written`}`, async () => {
        const result = await withLocalOss((env) => runners[runner]!(block, env), written);
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        // Test runners report on stderr; a script says nothing there, and npm only the warning the README explains.
        if (runner === 'script') expect(result.stderr).toBe('');
        if (written !== undefined) expect(result.stdout).toBe(WRITTEN_LOG);
        if (runner === 'install') expect(npmWarnings(result.stderr)).toEqual({ others: [], packagesWithScripts: ['crc64-ecma182.js'] });
      }, 60_000);
    }
  }
});

/*
 * `npx heartbeat-put` looks for a package named heartbeat-put; the README names the package with -p. Its block runs
 * above, where npx finds the installed tarball by name. On a runner with nothing installed npx fetches the package:
 * here the tarball's path stands for the name, since the name would fetch the registry's copy (another version,
 * or nothing before a release), not this build. A cache and home of its own: nothing npx installed before counts.
 * Only the downloaded tarballs (_cacache, content-addressed) are shared with the user's npm cache, so that the
 * dependencies come from it when they are there, and from the registry when not.
 */
describe('npx on a runner without the package', () => {
  const documented = /\bnpx -p heartbeat-readable heartbeat-put\b/;

  it('the README names the package: npx -p heartbeat-readable heartbeat-put', () => {
    const section = readme.slice(readme.indexOf('## The command'), readme.indexOf('\n## ', readme.indexOf('## The command') + 1));
    expect(blocks.filter(({ lang, code }) => lang === 'sh' && documented.test(code) && section.includes(code))).toHaveLength(1);
  });

  it('npx --yes -p <the packed tarball> heartbeat-put --version, in an empty folder with an npx cache of its own', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'readme-npx-'));
    try {
      const cache = join(folder, 'npm-cache');
      const downloads = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_cacache');
      mkdirSync(cache);
      if (existsSync(downloads)) symlinkSync(downloads, join(cache, '_cacache'));
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: folder,
        npm_config_cache: cache,
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
      };
      const tarball = join(INSTALLED, 'heartbeat-readable.tgz');
      const result = await run(env, 'npx', ['--yes', '-p', tarball, 'heartbeat-put', '--version'], folder);
      expect(result.stdout, result.stderr).toBe(`${packageJson.version}\n`);
      expect(result.code).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 180_000);
});
