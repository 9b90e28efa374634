import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs a bench/ script in a Node process of its own, through tsx like the runner itself. */
export function spawnBenchScript(script: string, args: readonly string[], nodeFlags: readonly string[] = []): ChildProcess {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path, ...args], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
}

/** The child's last line of stdout, parsed as JSON, once it exits with 0. */
export async function runJsonScript<T>(script: string, args: readonly string[], nodeFlags: readonly string[] = []): Promise<T> {
  const child = spawnBenchScript(script, args, nodeFlags);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  // 'close', not 'exit': only then has all of stdout been read.
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  const lines = output.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
