import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalOss } from '../../src/testing/index.js';

const CLI = ['--import', 'tsx', 'src/cli/heartbeat-put.ts'];

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited, with everything it printed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/** Input as the command reads it: bytes, and pauses in ms between them. */
export type Input = Array<string | Buffer | number>;

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
  void (async () => {
    for (const part of input) {
      if (typeof part === 'number') await sleep(part);
      else child.stdin.write(part);
    }
    child.stdin.end();
  })();
  return { child, done };
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
