// Running heartbeat-put, heartbeat-tail and heartbeat-local-oss in this process or a real one, with the environment (ossEnv) and waits (holds, bodyStarted) their tests use.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, vi } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runHeartbeatPut } from '../../src/cli/run.js';
import type { LocalOss } from '../../src/testing/index.js';

/** The command from source, as `node` runs it in a real process. */
export const CLI = `${process.execPath} --import tsx src/cli/heartbeat-put.ts`;
/** heartbeat-tail and heartbeat-local-oss from source: `$TAIL` and `$LOCAL_OSS` in runShell's command lines. */
export const TAIL = `${process.execPath} --import tsx src/cli/heartbeat-tail.ts`;
export const LOCAL_OSS = `${process.execPath} --import tsx src/cli/heartbeat-local-oss.ts`;

export interface Printed {
  stdout: Buffer;
  stderr: string;
}

/** Input as the command reads it: bytes, pauses in ms, and conditions to wait for (the upload began). */
export type Input = Array<string | Buffer | number | (() => Promise<unknown>)>;

/** Writes `input` to `stdin` part by part, then ends it; stops early once `stopped()` holds. */
async function feed(stdin: Writable, input: Input, stopped: () => boolean, exited: Promise<unknown>): Promise<void> {
  for (const part of input) {
    if (stopped()) return;
    if (typeof part === 'number') await Promise.race([sleep(part), exited]);
    else if (typeof part === 'function') await part();
    else stdin.write(part);
  }
  stdin.end();
}

export interface InProcessRun {
  /** Where SIGINT and SIGTERM arrive: emit on it to interrupt the command. */
  signals: EventEmitter;
  /** The command's standard input, which `input` is written to. */
  stdin: PassThrough;
  done: Promise<Printed & { code: number }>;
}

/**
 * Runs heartbeat-put (or `command`: runHeartbeatTail, runHeartbeatLocalOss) in this process, with only the
 * environment given. Standard error is a terminal when `stderrIsTTY`. Fast: no process to start, and the
 * command's state is in reach.
 */
export function runInProcess(
  argv: string[],
  env: Record<string, string>,
  input: Input = [],
  {
    stdout = new PassThrough(),
    stderrIsTTY = false,
    command = runHeartbeatPut,
  }: { stdout?: Writable; stderrIsTTY?: boolean; command?: (io: CliIo) => Promise<number> } = {},
): InProcessRun {
  const stdin = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY });
  const out: Buffer[] = [];
  let err = '';
  if (stdout instanceof PassThrough) stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const signals = new EventEmitter();
  let finished = false;
  const running = command({ argv, env, stdin, stdout, stderr, signals }).finally(() => (finished = true));
  void feed(stdin, input, () => finished || stdin.destroyed, running);
  return { signals, stdin, done: running.then((code) => ({ code, stdout: Buffer.concat(out), stderr: err })) };
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited, with everything it printed. */
  done: Promise<Printed & { code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a shell command line in a child process with only the environment given (no inherited OSS_*), in
 * its own process group (as a terminal's job is), `$CLI` standing for heartbeat-put run from source, `$TAIL`
 * and `$LOCAL_OSS` for the other two commands.
 */
export function runShell(commandLine: string, env: Record<string, string>, input: Input = []): CliRun {
  const child = spawn('bash', ['--norc', '--noprofile', '-c', commandLine], {
    env: { PATH: process.env.PATH ?? '', CLI, TAIL, LOCAL_OSS, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Awaited<CliRun['done']>>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout), stderr }));
  });
  // A command that has exited takes no more input: stop feeding it.
  child.stdin.on('error', () => {});
  const exited = new Promise((resolve) => child.once('exit', resolve));
  void feed(child.stdin, input, () => child.exitCode !== null || child.signalCode !== null, exited);
  return { child, done };
}

/**
 * Runs heartbeat-put (or `$TAIL`, `$LOCAL_OSS`) from source in a real process: `exec` keeps it the shell's pid,
 * so signals reach it.
 */
export function runCli(args: string[], env: Record<string, string>, input: Input = [], command = '$CLI'): CliRun {
  return runShell(`exec ${command} ${args.map(shellQuote).join(' ')}`, env, input);
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Resolves once `local` has received body bytes: the command has started and the silence can begin. */
export function bodyStarted(local: LocalOss): () => Promise<unknown> {
  return () => vi.waitFor(() => expect(local.stats().maxBodyGapMs).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
}

/** Resolves once `local` holds `key` with exactly `content`: appended, and readable. */
export function holds(local: LocalOss, key: string, content: string): () => Promise<unknown> {
  return () => vi.waitFor(() => expect(local.getObject(key)?.toString()).toBe(content), { timeout: 20_000, interval: 20 });
}

/** The environment a build runner would set to reach `local`. */
export function ossEnv(local: LocalOss, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    OSS_ACCESS_KEY_ID: local.accessKeyId,
    OSS_ACCESS_KEY_SECRET: local.accessKeySecret,
    OSS_BUCKET: local.bucket,
    OSS_ENDPOINT: local.endpoint,
    ...overrides,
  };
}

/** A loopback endpoint whose port nothing listens on: the connection is refused. */
export async function refusingEndpoint(): Promise<string> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * A usage error as every command reports it: exit 2, nothing on standard output, and two lines on standard error,
 * the first `message` after the command's name, the second the hint to --help. No `secret` in them.
 */
export function expectUsageError({ code, stdout, stderr }: Printed & { code: number | null }, command: string, message: RegExp, secret?: string): void {
  expect(code).toBe(2);
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^${command}: `));
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toBe(`Try '${command} --help' for usage.`);
  expect(stdout.length).toBe(0);
  if (secret !== undefined) expect(stderr).not.toContain(secret);
}
