import { createRequire } from 'node:module';
import { pipeline, type Readable, type Writable } from 'node:stream';
import type OSS from 'ali-oss';
// The package's own entries, as a user imports them: the command shares their one core.
import { withHeartbeat } from 'heartbeat-readable';
import { createOssClient, explainUploadError, putStreamWithHeartbeat } from 'heartbeat-readable/oss';
import { startLocalOss, type LocalOss } from 'heartbeat-readable/testing';
import { adviceFor } from './advice.js';
import { parseCommand, USAGE, UsageError, type PutCommand } from './arguments.js';
import { secretsOf } from './secrets.js';
import { CLEAR_LINE, startStatusLine } from './status-line.js';
import { teeTo } from './tee.js';

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM arrive: `process` in the real command. */
  signals: NodeJS.EventEmitter;
}

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

function packageVersion(): string {
  // The same relative path from src/cli/ and from the built dist/cli/.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** The command's only voice on stderr: whole lines, with every configured secret masked. */
interface Voice {
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

function firstLineOf(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error).split('\n')[0]!;
}

async function put(command: PutCommand, io: CliIo, voice: Voice): Promise<number> {
  const startedAt = Date.now();
  const controller = new AbortController();
  let interruptedBy: HandledSignal | undefined;
  const onSignal = (signal: HandledSignal): void => {
    interruptedBy ??= signal;
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  const onSigint = (): void => onSignal('SIGINT');
  const onSigterm = (): void => onSignal('SIGTERM');
  io.signals.on('SIGINT', onSigint);
  io.signals.on('SIGTERM', onSigterm);

  let local: LocalOss | undefined;
  let client: OSS | undefined;
  let status: { stop(): void } | undefined;
  const stopStatus = (): void => {
    status?.stop();
    voice.statusShown = false;
  };
  try {
    local = command.target.kind === 'local' ? await startLocalOss({ idleLimitMs: command.idleLimitMs }) : undefined;
    client = clientFor(command, local);

    const onTeeStop = (reason: string): void => voice.say(`--tee stopped copying to standard output (${reason}); the upload goes on`);
    const input = command.tee ? pipeline(io.stdin, teeTo(io.stdout, onTeeStop), () => {}) : io.stdin;
    const body = withHeartbeat(input, {
      idleLimitMs: command.idleLimitMs,
      heartbeatAfterMs: command.heartbeatAfterMs,
      filler: command.filler,
    });
    if (io.stderr.isTTY && !command.quiet) {
      status = startStatusLine(body, io.stderr);
      voice.statusShown = true;
    }

    const result = await putStreamWithHeartbeat(client, command.key, body, {
      mime: command.contentType,
      signal: controller.signal,
    });
    stopStatus();
    if (!command.quiet) {
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      const where = local
        ? ` to the embedded local OSS at ${local.endpoint}, bucket ${local.bucket} (it stops when heartbeat-put exits)`
        : '';
      voice.say(
        `uploaded ${command.key}${where}: ${result.dataBytes} bytes, ${result.heartbeats} heartbeats, ` +
          `${seconds} s, ETag ${String(result.res.headers && (result.res.headers as Record<string, string>).etag)}`,
      );
    }
    return 0;
  } catch (error) {
    stopStatus();
    if (error instanceof UsageError) throw error;
    if (interruptedBy) {
      voice.say(
        // putStreamWithHeartbeat's AbortError: whether the whole body had been handed to the request.
        (error as { bodySent?: unknown }).bodySent === true
          ? `interrupted by ${interruptedBy} after the whole input was sent: ${command.key} may have been stored ` +
              "(the server's answer was not awaited)"
          : `interrupted by ${interruptedBy} before the input ended; the upload was aborted and nothing was stored`,
      );
      return SIGNAL_EXIT_CODES[interruptedBy];
    }
    const explanation = explainUploadError(error);
    voice.say(`upload of ${command.key} failed (${explanation.kind}): ${adviceFor(explanation, command, error)}`);
    voice.debug(error);
    return 1;
  } finally {
    io.signals.off('SIGINT', onSigint);
    io.signals.off('SIGTERM', onSigterm);
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
