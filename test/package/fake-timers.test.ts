import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage } from './installed.js';

/*
 * Every framework's fake timers against the package a user installs: the fixtures in fake-timers/ import
 * `heartbeat-readable` by its name from the installed project, and each runs in a process of its own, with the
 * framework's own runner and config. Each framework's matrix gives every setup × subject ten heartbeats in five
 * fake minutes. The README's recipes for Jest, node:test and @sinonjs/fake-timers are files in
 * examples/fake-timers/, run here the same way (Jest's within the matrix's run); its Vitest recipe runs in readme.test.ts.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fake-timers');
const RECIPES = join(ROOT, 'examples', 'fake-timers');
const WORK = join(INSTALLED, 'fake-timers');
const SUBJECTS = 6;

beforeAll(async () => {
  await installedPackage();
  cpSync(FIXTURES, WORK, { recursive: true });
  cpSync(join(RECIPES, 'jest.test.cjs'), join(WORK, 'jest', 'recipe.test.cjs'));
  cpSync(join(RECIPES, 'node-test.test.mjs'), join(WORK, 'node-test', 'recipe.test.mjs'));
  cpSync(join(RECIPES, 'sinon.mjs'), join(WORK, 'sinon', 'recipe.mjs'));
}, 120_000);

interface Outcome {
  passed: string[];
  failed: string[];
  code: number;
  output: string;
}

/** Runs `args` with Node in WORK/`dir`, as a user's project would: nothing from this repository's environment. */
async function runNode(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: join(WORK, dir),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/** Jest's --json and Vitest's json reporter: the same shape. */
async function runJsonReporter(dir: string, args: string[]): Promise<Outcome> {
  const { code, stdout, stderr } = await runNode(dir, args);
  const start = stdout.indexOf('{');
  if (start === -1) return { passed: [], failed: [], code, output: `${stdout}\n${stderr}` };
  const report = JSON.parse(stdout.slice(start)) as {
    testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>;
  };
  const results = report.testResults.flatMap((file) => file.assertionResults);
  return {
    passed: results.filter((result) => result.status === 'passed').map((result) => result.fullName),
    failed: results.filter((result) => result.status !== 'passed').map((result) => result.fullName),
    code,
    output: stderr,
  };
}

/** One "ok N - <name>" or "not ok N - <name>" line per test, as node:test's TAP reporter and the sinon script print. */
async function runTapLines(dir: string, args: string[]): Promise<Outcome> {
  const { code, stdout, stderr } = await runNode(dir, args);
  const lines = [...stdout.matchAll(/^(ok|not ok) \d+ - (.+)$/gm)];
  const named = (status: string): string[] => lines.filter(([, s]) => s === status).map(([, , name]) => name!);
  return { passed: named('ok'), failed: named('not ok'), code, output: `${stdout}\n${stderr}` };
}

function expectAllPassed(outcome: Outcome, count: number): void {
  expect(outcome.failed, outcome.output).toEqual([]);
  expect(outcome.passed, outcome.output).toHaveLength(count);
  expect(outcome.code, outcome.output).toBe(0);
}

describe('ten heartbeats in five fake minutes, from the installed package, in every setup', () => {
  it('Vitest 4: sync and async advances, with and without a fake Date', async () => {
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const outcome = await runJsonReporter('vitest', [vitest, 'run', '--config', 'vitest.config.mjs', '--reporter=json']);
    expectAllPassed(outcome, 4 * SUBJECTS);
  }, 120_000);

  it("Jest 30: modern timers sync and async, a real Date, legacy timers, and the README's recipe", async () => {
    const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const outcome = await runJsonReporter('jest', [jest, '--config', 'jest.config.cjs', '--json', '--ci']);
    expectAllPassed(outcome, 4 * SUBJECTS + 1);
    expect(outcome.passed).toContain('sends a heartbeat every 30 s of silence');
  }, 120_000);

  it("node:test mock.timers with and without 'Date'", async () => {
    // Each file run by node itself: its tests are reported at the top level.
    expectAllPassed(await runTapLines('node-test', ['--test-reporter=tap', 'matrix.test.mjs']), 2 * SUBJECTS + 1);
  }, 120_000);

  it('@sinonjs/fake-timers: setTimeout and clearTimeout only, a full install, tick and tickAsync', async () => {
    expectAllPassed(await runTapLines('sinon', ['matrix.mjs']), 3 * SUBJECTS);
  }, 120_000);
});

describe("the README's recipes, from the installed package", () => {
  it('node:test', async () => {
    expectAllPassed(await runTapLines('node-test', ['--test-reporter=tap', 'recipe.test.mjs']), 1);
  });

  it('@sinonjs/fake-timers: a script whose assertion throws if it fails', async () => {
    expect(await runNode('sinon', ['recipe.mjs'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
