import { parseArgs } from 'node:util';
import ms from 'ms';
import { IDLE_LIMITS, maxHeartbeatAfterMs } from '../options.js';
import { describeValue, MAX_TIMER_MS } from '../validation.js';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_UPLOAD_MS,
  DEFAULT_RETRY,
} from 'heartbeat-readable/oss';
// Stateless, so imported relatively: the bound and the default appendStream applies, which its entry does not export.
import { defaultMaxBufferedBytes, MOST_APPEND_BYTES } from '../oss/append/options.js';
import {
  brokenObjectNameRule,
  BUCKET_NAME_RULE,
  ENDPOINT_RULE,
  isBucketName,
  isEndpoint,
  isRegionId,
  maskedEndpoint,
  REGION_RULE,
} from '../oss/names.js';
import { formatDuration, formatSize, SIZE_UNITS } from './format.js';
import { secretsOf, type Secrets } from './secrets.js';
import { FLAGS, PARSE_OPTIONS } from './usage.js';

/** A mistake in how the command was called: exit status 2, with a hint to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  stsToken?: string;
}

export type Target =
  | { kind: 'local' }
  | { kind: 'oss'; bucket: string; endpoint?: string; region?: string; credentials: Credentials };

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

export type Command = { action: 'help' } | { action: 'version' } | PutCommand;

/**
 * How a usage error shows a value it refuses: as given, unless it holds a configured secret, or came from
 * the environment, where swapped CI variables put a secret in OSS_REGION or OSS_BUCKET unnoticed.
 */
function shown(value: string, secrets: Secrets, fromEnvironment = false, show: (value: string) => string = describeValue): string {
  if (fromEnvironment) return 'a value that is not shown (it comes from the environment)';
  if (secrets.isIn(value)) return 'a value that is not shown (it holds a configured secret)';
  return show(value);
}

/** A duration as `ms` reads it (60000, 60s, 1m), positive and short enough for a timer. */
function parseDuration(option: string, text: string, secrets: Secrets): number {
  let value: number | undefined;
  try {
    value = ms(text as ms.StringValue);
  } catch {
    value = undefined;
  }
  if (value === undefined || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new UsageError(`--${option} must be a positive duration such as 60000, 60s or 1m, got ${shown(text, secrets)}`);
  }
  return value;
}

function nonEmpty(option: string, text: string | undefined): string | undefined {
  if (text === '') throw new UsageError(`${option} must not be empty`);
  return text;
}

function credentialsFrom(env: NodeJS.ProcessEnv): Credentials {
  const accessKeyId = env.OSS_ACCESS_KEY_ID || env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.OSS_ACCESS_KEY_SECRET || env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const stsToken = env.OSS_SESSION_TOKEN || env.ALIBABA_CLOUD_SECURITY_TOKEN;
  if (!accessKeyId || !accessKeySecret) {
    throw new UsageError(
      'missing credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET), or use --local',
    );
  }
  return stsToken ? { accessKeyId, accessKeySecret, stsToken } : { accessKeyId, accessKeySecret };
}

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

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between a's first i and b's first j characters.
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The flag `name` most likely meant: the nearest in the flag table, if a slip of one or two characters away. */
function closestFlag(name: string): string | undefined {
  const most = Math.min(2, Math.max(1, Math.floor(name.length / 3)));
  let closest: { flag: string; distance: number } | undefined;
  for (const { name: flag } of FLAGS) {
    const distance = editDistance(name.toLowerCase(), flag);
    if (distance <= most && (closest === undefined || distance < closest.distance)) closest = { flag, distance };
  }
  return closest?.flag;
}

/** parseArgs's own message names no flag to use instead: this one names the nearest, when one is near. */
function unknownOptionError(argv: string[], error: Error): UsageError {
  const { tokens } = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((token) => token.kind === 'option' && !Object.hasOwn(PARSE_OPTIONS, token.name));
  if (unknown?.kind !== 'option') return new UsageError(oneLine(error));
  const meant = unknown.rawName.startsWith('--') ? closestFlag(unknown.name) : undefined;
  return new UsageError(`unknown option '${unknown.rawName}'${meant === undefined ? '' : `; did you mean '--${meant}'?`}`);
}

/** Node's parseArgs messages can span lines; a usage error is one. */
function oneLine(error: Error): string {
  return error.message.replace(/\s*\n\s*/g, ' ');
}

/** Reads the command line and the environment; throws UsageError for anything the user must fix. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  const secrets = secretsOf(env);
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownOptionError(argv, error as Error);
    throw new UsageError(oneLine(error as Error));
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const on = (name: string): boolean => values[name] === true;
  if (on('help')) return { action: 'help' };
  if (on('version')) return { action: 'version' };

  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing <object-key>' : `expected one <object-key>, got ${positionals.length}`);
  }
  const key = positionals[0]!;
  const brokenRule = brokenObjectNameRule(key);
  if (brokenRule) throw new UsageError(`<object-key> must be ${brokenRule}, got ${shown(key, secrets)}`);
  checkModeOf((name) => values[name] !== undefined);

  const duration = (option: string): number | undefined => {
    const given = text(option);
    return given === undefined ? undefined : parseDuration(option, given, secrets);
  };
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
    : ossTarget({ bucket: text('bucket'), endpoint: text('endpoint'), region: text('region') }, env, secrets);
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

/** A length in bytes, 0 included: digits only, as a runner that counted what it shipped writes it. */
function byteCount(option: string, given: string | undefined, secrets: Secrets): number | undefined {
  if (given === undefined) return undefined;
  const bytes = /^\d+$/.test(given) ? Number(given) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`--${option} must be a number of bytes such as 0 or 1048576, got ${shown(given, secrets)}`);
  return bytes;
}

/** A value the user gave, named as given: a flag, or the variable it came from. */
interface Given {
  name: string;
  value: string;
  fromEnvironment?: boolean;
}

/** Returns the value when `valid`, or names where it came from and the rule. */
function check(given: Given, valid: (value: string) => boolean, rule: string, secrets: Secrets, show?: (value: string) => string): string {
  if (secrets.isIn(given.value)) {
    // ali-oss would put it in a host name, a URL or a header, where messages, logs and DNS queries show it.
    throw new UsageError(`${given.name} must not hold a configured secret or token (are two variables swapped?)`);
  }
  if (!valid(given.value)) {
    throw new UsageError(`${given.name} must be ${rule}, got ${shown(given.value, secrets, given.fromEnvironment, show)}`);
  }
  return given.value;
}

/** A flag's value, else its environment variable's. */
function flagOrEnv(flag: string, value: string | undefined, env: NodeJS.ProcessEnv, variable: string): Partial<Given> & { name: string } {
  if (value !== undefined) return { name: `--${flag}`, value: nonEmpty(`--${flag}`, value) };
  return { name: variable, value: env[variable] || undefined, fromEnvironment: true };
}

function ossTarget(
  values: { bucket?: string; endpoint?: string; region?: string },
  env: NodeJS.ProcessEnv,
  secrets: Secrets,
): Target {
  const bucket = flagOrEnv('bucket', values.bucket, env, 'OSS_BUCKET');
  const endpoint = flagOrEnv('endpoint', values.endpoint, env, 'OSS_ENDPOINT');
  const region = flagOrEnv('region', values.region, env, 'OSS_REGION');
  if (!bucket.value) throw new UsageError('missing bucket: pass --bucket or set OSS_BUCKET, or use --local');
  if (!endpoint.value && !region.value) {
    throw new UsageError('missing endpoint: pass --endpoint or --region (or set OSS_ENDPOINT or OSS_REGION), or use --local');
  }
  const credentials = credentialsFrom(env);
  check(bucket as Given, isBucketName, BUCKET_NAME_RULE, secrets);
  if (endpoint.value) check(endpoint as Given, isEndpoint, ENDPOINT_RULE, secrets, (text) => describeValue(maskedEndpoint(text)));
  if (region.value) check(region as Given, isRegionId, REGION_RULE, secrets);
  return {
    kind: 'oss',
    bucket: bucket.value,
    credentials,
    ...(endpoint.value ? { endpoint: endpoint.value } : {}),
    ...(region.value ? { region: region.value } : {}),
  };
}
