import { createRequire } from 'node:module';
import { pipeline, Transform, type Readable, type Writable } from 'node:stream';
import type OSS from 'ali-oss';
// The package's own entries, as a user imports them: the command shares their one core.
import { withHeartbeat } from 'heartbeat-readable';
import { createOssClient, explainUploadError, putStreamWithHeartbeat } from 'heartbeat-readable/oss';
import { startLocalOss, type LocalOss } from 'heartbeat-readable/testing';
import { parseCommand, USAGE, UsageError, type PutCommand } from './arguments.js';
import { startStatusLine } from './status-line.js';

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** Where SIGINT and SIGTERM arrive: `process` in the real command. */
  signals: NodeJS.EventEmitter;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

function packageVersion(): string {
  // The same relative path from src/cli/ and from the built dist/cli/.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** Copies every chunk to `out` unchanged before passing it on; a closed `out` (| head) stops the copy only. */
function teeTo(out: Writable): Transform {
  let broken = false;
  out.on('error', () => {
    broken = true;
  });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (broken || out.write(chunk)) callback(null, chunk);
      else out.once('drain', () => callback(null, chunk));
    },
  });
}

/** Removes every credential value from text that is about to be printed. */
function redact(text: string, command: PutCommand): string {
  if (command.target.kind !== 'oss') return text;
  const { accessKeySecret, stsToken } = command.target.credentials;
  let clean = text;
  for (const secret of [accessKeySecret, stsToken]) if (secret) clean = clean.split(secret).join('***');
  return clean;
}

/** Runs heartbeat-put and resolves with its exit status. Never throws. */
export async function runHeartbeatPut(io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCommand(io.argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`heartbeat-put: ${error.message}\nTry 'heartbeat-put --help' for usage.\n`);
    return 2;
  }
  if (command.action === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.action === 'version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  return put(command, io);
}

async function put(command: PutCommand, io: CliIo): Promise<number> {
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
  try {
    local = command.target.kind === 'local' ? await startLocalOss({ idleLimitMs: command.idleLimitMs }) : undefined;
    const target = command.target.kind === 'oss' ? command.target : undefined;
    client = createOssClient({
      ...(local ? local.clientOptions() : {}),
      ...(target && {
        bucket: target.bucket,
        ...target.credentials,
        ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
        ...(target.region !== undefined && { region: target.region }),
      }),
      maxUploadMs: command.maxUploadMs,
    } as Parameters<typeof createOssClient>[0]);

    const input = command.tee ? pipeline(io.stdin, teeTo(io.stdout), () => {}) : io.stdin;
    const body = withHeartbeat(input, {
      idleLimitMs: command.idleLimitMs,
      heartbeatAfterMs: command.heartbeatAfterMs,
      filler: command.filler,
    });
    if (io.stderr.isTTY && !command.quiet) status = startStatusLine(body, io.stderr);

    const result = await putStreamWithHeartbeat(client, command.key, body, {
      mime: command.contentType,
      signal: controller.signal,
    });
    status?.stop();
    if (!command.quiet) {
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      const where = local
        ? ` to the embedded local OSS at ${local.endpoint}, bucket ${local.bucket} (it stops when heartbeat-put exits)`
        : '';
      io.stderr.write(
        `heartbeat-put: uploaded ${command.key}${where}: ${result.dataBytes} bytes, ${result.heartbeats} heartbeats, ` +
          `${seconds} s, ETag ${String(result.res.headers && (result.res.headers as Record<string, string>).etag)}\n`,
      );
    }
    return 0;
  } catch (error) {
    status?.stop();
    if (interruptedBy) {
      io.stderr.write(`heartbeat-put: interrupted by ${interruptedBy}; the upload was aborted and nothing was stored\n`);
      return SIGNAL_EXIT_CODES[interruptedBy];
    }
    const { kind, message } = explainUploadError(error);
    io.stderr.write(redact(`heartbeat-put: upload of ${command.key} failed (${kind}): ${message}\n`, command));
    if (io.env.DEBUG) io.stderr.write(redact(`${(error as Error)?.stack ?? String(error)}\n`, command));
    return 1;
  } finally {
    io.signals.off('SIGINT', onSigint);
    io.signals.off('SIGTERM', onSigterm);
    destroyAgents(client);
    await local?.close();
  }
}

/** Pooled keep-alive sockets must not hold the process open after the upload. */
function destroyAgents(client: OSS | undefined): void {
  const agents = client as { agent?: { destroy?(): void }; httpsAgent?: { destroy?(): void } } | undefined;
  agents?.agent?.destroy?.();
  agents?.httpsAgent?.destroy?.();
}
