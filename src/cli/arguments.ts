import { IDLE_LIMITS, maxHeartbeatAfterMs } from '../options.js';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_UPLOAD_MS,
  DEFAULT_RETRY,
} from 'heartbeat-readable/oss';
// Stateless, so imported relatively: the bound and the default appendStream applies, which its entry does not export.
import { defaultMaxBufferedBytes, MOST_APPEND_BYTES } from '../oss/append/options.js';
import { readFlags } from './flags.js';
import { formatDuration, formatSize, SIZE_UNITS } from './format.js';
import type { InfoRequest } from './program.js';
import { secretsOf, type Secrets } from './secrets.js';
import { objectKeyOf, ossTarget, type Target } from './target.js';
import { FLAGS } from './usage.js';
import { byteCount, check, nonEmpty, parseDuration, shown, UsageError } from './values.js';

export { UsageError } from './values.js';
export type { Credentials, Target } from './target.js';

/** How --append uploads: appendStream's options, as the flags set them. */
export interface AppendSettings {
  /** appendStream's resume: --resume-at gives the length the object must have, --reopen lets a completed log go on. */
  resume: boolean | { at: number | undefined; reopen: boolean };
  flushIntervalMs: number;
  maxAppendBytes: number;
  maxBufferedBytes: number;
  retryForMs: number;
}

export interface PutCommand {
  action: 'put';
  key: string;
  target: Target;
  // The stream mode's settings. With --append their flags are refused, and two defaults still count:
  // idleLimitMs for --local's server, maxUploadMs for the client's socket timeout.
  idleLimitMs: number;
  heartbeatAfterMs: number;
  filler: string;
  maxUploadMs: number;
  contentType: string;
  tee: boolean;
  quiet: boolean;
  /** Set with --append: the input goes in appends instead of one long PUT. */
  append: AppendSettings | undefined;
}

export type Command = InfoRequest | PutCommand;

/** Flags given for the other mode than the one chosen: a usage error that names both flags. */
function checkModeOf(given: (name: string) => boolean): void {
  const append = given('append');
  for (const { name, mode } of FLAGS) {
    if (mode === undefined || !given(name)) continue;
    if (mode === 'append' && !append) throw new UsageError(`--${name} works only with --append`);
    if (mode === 'stream' && append) {
      throw new UsageError(`--${name} does not work with --append, which sends no heartbeats and no long request`);
    }
  }
}

/** Reads the command line and the environment; throws UsageError for anything the user must fix. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  const secrets = secretsOf(env);
  const { positionals, text, on, given } = readFlags(argv, FLAGS);
  if (on('help')) return { action: 'help' };
  if (on('version')) return { action: 'version' };

  const key = objectKeyOf(positionals, secrets);
  checkModeOf(given);

  const duration = (option: string): number | undefined => parseDuration(option, text(option), secrets);
  const idleLimitMs = duration('idle-limit') ?? IDLE_LIMITS.oss;
  // A heartbeat may come a sixteenth of --heartbeat-after late: the core refuses what could pass the limit.
  const mostAfterMs = maxHeartbeatAfterMs(idleLimitMs);
  if (mostAfterMs === 0) {
    throw new UsageError(`--idle-limit must be longer than 2ms: no heartbeat fits in less, got ${shown(text('idle-limit')!, secrets)}`);
  }
  const heartbeatAfterMs = duration('heartbeat-after') ?? Math.min(idleLimitMs / 2, mostAfterMs);
  if (Math.ceil(heartbeatAfterMs) > mostAfterMs) {
    throw new UsageError(
      `--heartbeat-after must be at most ${mostAfterMs}ms for --idle-limit ${formatDuration(idleLimitMs)}, since a heartbeat ` +
        `may come a sixteenth of it late, got ${shown(text('heartbeat-after')!, secrets)}`,
    );
  }
  const filler = nonEmpty('--filler', text('filler')) ?? ' ';
  if (!filler.isWellFormed()) throw new UsageError(`--filler must be valid text, got ${shown(filler, secrets)}`);
  const maxUploadMs = duration('max-upload') ?? DEFAULT_MAX_UPLOAD_MS;
  const contentType = check(
    { name: '--content-type', value: nonEmpty('--content-type', text('content-type')) ?? 'text/plain; charset=utf-8' },
    (value) => /^[\t\x20-\x7e]+$/.test(value),
    'one line of printable ASCII such as "text/plain; charset=utf-8"',
    secrets,
  );
  const resumeAt = byteCount('resume-at', text('resume-at'), secrets);
  const resume = resumeAt === undefined && !on('reopen') ? on('resume') : { at: resumeAt, reopen: on('reopen') };
  const append = on('append') ? appendSettings(resume, duration, (option) => sizeOf(option, text(option), secrets)) : undefined;

  const target: Target = on('local')
    ? { kind: 'local' }
    : ossTarget({ bucket: text('bucket'), endpoint: text('endpoint'), region: text('region') }, env, secrets, ', or use --local');
  return {
    action: 'put',
    key,
    target,
    idleLimitMs,
    heartbeatAfterMs,
    filler,
    maxUploadMs,
    contentType,
    tee: on('tee'),
    quiet: on('quiet'),
    append,
  };
}

function appendSettings(
  resume: AppendSettings['resume'],
  duration: (option: string) => number | undefined,
  size: (option: string) => number | undefined,
): AppendSettings {
  const maxAppendBytes = size('max-append') ?? DEFAULT_MAX_APPEND_BYTES;
  if (maxAppendBytes > MOST_APPEND_BYTES) {
    throw new UsageError(`--max-append must be at most ${formatSize(MOST_APPEND_BYTES)}, got ${formatSize(maxAppendBytes)}`);
  }
  const maxBufferedBytes = size('max-buffered') ?? defaultMaxBufferedBytes(maxAppendBytes);
  if (maxBufferedBytes < maxAppendBytes) {
    throw new UsageError(
      `--max-buffered must be at least --max-append (${formatSize(maxAppendBytes)}): one append is held while it is sent, ` +
        `got ${formatSize(maxBufferedBytes)}`,
    );
  }
  return {
    resume,
    flushIntervalMs: duration('flush-interval') ?? DEFAULT_FLUSH_INTERVAL_MS,
    maxAppendBytes,
    maxBufferedBytes,
    retryForMs: duration('retry-for') ?? DEFAULT_RETRY.maxElapsedMs,
  };
}

const SIZE = new RegExp(`^(\\d+(?:\\.\\d+)?)(${SIZE_UNITS.map(([unit]) => unit).join('|')})?$`);

/** A whole number of bytes, given as bytes or in binary units (1048576, 512KiB, 1.5MiB): strict, no guessing at "MB". */
function sizeOf(option: string, given: string | undefined, secrets: Secrets): number | undefined {
  if (given === undefined) return undefined;
  const match = SIZE.exec(given);
  const unit = SIZE_UNITS.find(([name]) => name === match?.[2])?.[1] ?? 1;
  const bytes = match ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`--${option} must be a whole number of bytes such as 1048576, 512KiB or 1MiB, got ${shown(given, secrets)}`);
  }
  return bytes;
}
