import { pipeline, type Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { LocalOss } from 'heartbeat-readable/testing';
import type { PutCommand } from './arguments.js';
import type { Interrupts } from './interrupts.js';
import type { CliIo, Voice } from './io.js';
import { startStatusLine, type StatusSource } from './status-line.js';
import { teeTo } from './tee.js';

/** One run's upload, whichever the mode: what each mode starts from. */
export interface Upload {
  command: PutCommand;
  io: CliIo;
  voice: Voice;
  client: OSS;
  /** The embedded server, with --local. */
  local: LocalOss | undefined;
  interrupts: Interrupts;
  startedAt: number;
}

/** Standard input, copied to standard output on its way with --tee. */
export function inputOf({ command, io, voice }: Upload): Readable {
  if (!command.tee) return io.stdin;
  const onTeeStop = (reason: string): void => voice.say(`--tee stopped copying to standard output (${reason}); the upload goes on`);
  return pipeline(io.stdin, teeTo(io.stdout, onTeeStop), () => {});
}

/** The live status line, on a terminal and without --quiet; `stop()` erases it, once. */
export function showStatus({ command, io, voice }: Upload, source: StatusSource): { stop(): void } {
  if (!io.stderr.isTTY || command.quiet) return { stop() {} };
  const line = startStatusLine(source, io.stderr);
  voice.statusShown = true;
  return {
    stop() {
      if (!voice.statusShown) return;
      line.stop();
      voice.statusShown = false;
    },
  };
}

/** Where the object went, for the summary: said only for the embedded server, which goes when the command ends. */
export function whereStored({ local }: Upload): string {
  return local ? ` to the embedded local OSS at ${local.endpoint}, bucket ${local.bucket} (it stops when heartbeat-put exits)` : '';
}

export function secondsSince({ startedAt }: Upload): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}
