import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import type OSS from 'ali-oss';
// The package's own entries, as a user imports them: the command shares their one core.
import { createOssClient } from 'heartbeat-readable/oss';
import { startLocalOss, type LocalOss } from 'heartbeat-readable/testing';
import { appendUpload } from './append-upload.js';
import { parseCommand, UsageError, type PutCommand } from './arguments.js';
import { firstLineOf } from './format.js';
import { watchInterrupts } from './interrupts.js';
import { secretsOf } from './secrets.js';
import { CLEAR_LINE } from './status-line.js';
import { streamUpload } from './stream-upload.js';
import { USAGE } from './usage.js';

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM arrive: `process` in the real command. */
  signals: NodeJS.EventEmitter;
}

function packageVersion(): string {
  // The same relative path from src/cli/ and from the built dist/cli/.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** The command's only voice on stderr: whole lines, with every configured secret masked. */
export interface Voice {
  say(line: string): void;
  /** With DEBUG set, the error's stack. */
  debug(error: unknown): void;
  /** Whether a status frame is on the terminal's last line: a line written over it would run on from it. */
  statusShown: boolean;
}

function voiceOf(io: CliIo): Voice {
  const { redact } = secretsOf(io.env);
  const voice: Voice = {
    statusShown: false,
    say(line) {
      io.stderr.write(redact(`${voice.statusShown ? CLEAR_LINE : ''}heartbeat-put: ${line}\n`));
    },
    debug(error) {
      if (io.env.DEBUG) io.stderr.write(redact(`${(error as Error | undefined)?.stack ?? String(error)}\n`));
    },
  };
  return voice;
}

/** Runs heartbeat-put and resolves with its exit status. Never throws, and never prints a configured secret. */
export async function runHeartbeatPut(io: CliIo): Promise<number> {
  const voice = voiceOf(io);
  try {
    const command = parseCommand(io.argv, io.env);
    if (command.action === 'help') io.stdout.write(`${USAGE}\n`);
    if (command.action === 'version') io.stdout.write(`${packageVersion()}\n`);
    if (command.action !== 'put') return 0;
    return await put(command, io, voice);
  } catch (error) {
    if (error instanceof UsageError) {
      voice.say(`${error.message}\nTry 'heartbeat-put --help' for usage.`);
      return 2;
    }
    voice.say(`internal error: ${firstLineOf(error)}`);
    voice.debug(error);
    return 1;
  }
}

async function put(command: PutCommand, io: CliIo, voice: Voice): Promise<number> {
  const startedAt = Date.now();
  const interrupts = watchInterrupts(io.signals);
  let local: LocalOss | undefined;
  let client: OSS | undefined;
  try {
    local = command.target.kind === 'local' ? await startLocalOss({ idleLimitMs: command.idleLimitMs }) : undefined;
    client = clientFor(command, local);
    const upload = { command, io, voice, client, local, interrupts, startedAt };
    return await (command.append ? appendUpload(upload, command.append) : streamUpload(upload));
  } finally {
    interrupts.dispose();
    destroyAgents(client);
    await local?.close();
  }
}

/** The ali-oss client for the command; what createOssClient still refuses is the user's to fix: a usage error. */
function clientFor(command: PutCommand, local: LocalOss | undefined): OSS {
  const target = command.target.kind === 'oss' ? command.target : undefined;
  try {
    return createOssClient({
      ...(local ? local.clientOptions() : {}),
      ...(target && {
        bucket: target.bucket,
        ...target.credentials,
        // The token comes from the environment and cannot be refreshed here; saying so keeps ali-oss from
        // printing its advice to set refreshSTSToken on every run.
        ...(target.credentials.stsToken !== undefined && { refreshSTSTokenInterval: command.maxUploadMs }),
        ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
        ...(target.region !== undefined && { region: target.region }),
      }),
      maxUploadMs: command.maxUploadMs,
    } as Parameters<typeof createOssClient>[0]);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Pooled keep-alive sockets must not hold the process open after the upload. */
function destroyAgents(client: OSS | undefined): void {
  const agents = client as { agent?: { destroy?(): void }; httpsAgent?: { destroy?(): void } } | undefined;
  agents?.agent?.destroy?.();
  agents?.httpsAgent?.destroy?.();
}
