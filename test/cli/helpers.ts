import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, vi } from 'vitest';
import type { LocalOss } from '../../src/testing/index.js';

const CLI = ['--import', 'tsx', 'src/cli/heartbeat-put.ts'];

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited, with everything it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/** Input as the command reads it: bytes, pauses in ms, and conditions to wait for (the upload began). */
export type Input = Array<string | Buffer | number | (() => Promise<unknown>)>;

/** Runs heartbeat-put from source in a child process with only the environment given (no inherited OSS_*). */
export function runCli(args: string[], env: Record<string, string>, input: Input = []): CliRun {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
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
  void (async () => {
    for (const part of input) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (typeof part === 'number') await Promise.race([sleep(part), exited]);
      else if (typeof part === 'function') await part();
      else child.stdin.write(part);
    }
    child.stdin.end();
  })();
  return { child, done };
}

/** Resolves once `local` has received body bytes: the command has started and the silence can begin. */
export function bodyStarted(local: LocalOss): () => Promise<unknown> {
  return () => vi.waitFor(() => expect(local.stats().maxBodyGapMs).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
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
