import type { Readable, Writable } from 'node:stream';

/** What a command reads and writes: the process's own in the real command, streams and an emitter in tests. */
export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM arrive: `process` in the real command. */
  signals: NodeJS.EventEmitter;
}

/** A command's only voice on stderr: whole lines, with every configured secret masked. */
export interface Voice {
  say(line: string): void;
  /** With DEBUG set, the error's stack. */
  debug(error: unknown): void;
  /** Whether a status frame is on the terminal's last line: a line written over it would run on from it. */
  statusShown: boolean;
}
