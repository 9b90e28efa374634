import type { CliIo } from './io.js';
import { SIGNAL_EXIT_CODES } from './interrupts.js';
import { secretsOf } from './secrets.js';

/** A bin's body: the process as the command's io, the output guarded, and the exit status set. */
export async function main(run: (io: CliIo) => Promise<number>): Promise<void> {
  const { redact } = secretsOf(process.env);

  // Libraries write to stderr on their own: ali-oss's debug output (DEBUG=ali-oss) shows the signed headers,
  // STS token included, and urllib's warnings show request URLs. Whatever they print passes the same mask.
  const write = process.stderr.write.bind(process.stderr) as (chunk: string, ...rest: unknown[]) => boolean;
  const redactedWrite = (chunk: string | Uint8Array, ...rest: unknown[]): boolean =>
    write(redact(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()), ...rest);
  process.stderr.write = redactedWrite;

  // urllib prints "[urllib:warn] ... callback twice" with a stack when a failed request also errors late;
  // the command prints one line per failure, so those go to the debug output only.
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('[urllib:warn]') && !process.env.DEBUG) return;
    warn(...args);
  };

  // `heartbeat-put --help | true`: a reader gone before the output is written is no failure of the command.
  process.stdout.on('error', () => {});

  const status = await run({
    argv: process.argv.slice(2),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    signals: process,
  });
  // Interrupted, the command ends now: output queued for a reader that stopped reading (a paused `| less`)
  // would otherwise keep the process alive until that reader goes on.
  if (Object.values(SIGNAL_EXIT_CODES).includes(status as 130 | 143)) process.exit(status);
  process.exitCode = status;
}
