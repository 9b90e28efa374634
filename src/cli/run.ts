import type OSS from 'ali-oss';
import { startLocalOss, type LocalOss } from 'heartbeat-readable/testing';
import { appendUpload } from './append-upload.js';
import { parseCommand, type PutCommand } from './arguments.js';
import type { CliIo, Voice } from './io.js';
import { watchInterrupts } from './interrupts.js';
import { runProgram } from './program.js';
import { streamUpload } from './stream-upload.js';
import { clientFor, destroyAgents } from './target.js';
import { USAGE } from './usage.js';

/** Runs heartbeat-put and resolves with its exit status. Never throws, and never prints a configured secret. */
export function runHeartbeatPut(io: CliIo): Promise<number> {
  return runProgram({ name: 'heartbeat-put', usage: USAGE, parse: parseCommand, run: put }, io);
}

async function put(command: PutCommand, io: CliIo, voice: Voice): Promise<number> {
  const startedAt = Date.now();
  const interrupts = watchInterrupts(io.signals);
  let local: LocalOss | undefined;
  let client: OSS | undefined;
  try {
    local = command.target.kind === 'local' ? await startLocalOss({ idleLimitMs: command.heartbeat.idleLimitMs }) : undefined;
    client = clientFor(command.client, local);
    const upload = { command, io, voice, client, local, interrupts, startedAt };
    return await (command.append ? appendUpload(upload, command.append) : streamUpload(upload));
  } finally {
    interrupts.dispose();
    destroyAgents(client);
    await local?.close();
  }
}
