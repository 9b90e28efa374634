import { parseArgs } from 'node:util';
import ms from 'ms';
import { describeValue, IDLE_LIMITS, MAX_TIMER_MS, maxHeartbeatAfterMs } from '../options.js';
import { DEFAULT_MAX_UPLOAD_MS } from 'heartbeat-readable/oss';
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
import { secretsOf, type Secrets } from './secrets.js';

export const USAGE = `Usage: heartbeat-put [options] <object-key>
Reads standard input and uploads it to OSS as <object-key>, pushing heartbeats while the input is silent.

  --bucket <name>               env OSS_BUCKET
  --endpoint <url>              env OSS_ENDPOINT
  --region <id>                 env OSS_REGION
  --idle-limit <duration>       the server's idle limit (default 60s); accepts 60000, 60s, 1m
  --heartbeat-after <duration>  default: half the idle limit; it plus a sixteenth of it must stay under the limit
  --filler <text>               default ' '
  --max-upload <duration>       response timeout for the whole upload (default 2h)
  --content-type <mime>         default text/plain; charset=utf-8
  --tee                         copy the input to standard output, unchanged, as it passes; if standard
                                output fails or closes (| head), the copy stops and the upload goes on
  --local                       upload to an embedded local OSS server (no credentials); say where the object went
  --quiet                       no status line, no summary
  -h, --help                    this help
  -v, --version                 the version

Credentials come from the environment only: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN
(or ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN).
Exit status: 0 uploaded, 1 the upload failed, 2 usage error, 130/143 interrupted (SIGINT/SIGTERM).

Example: make 2>&1 | heartbeat-put --tee logs/build-42.log`;

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

export interface PutCommand {
  action: 'put';
  key: string;
  target: Target;
  idleLimitMs: number;
  heartbeatAfterMs: number;
  filler: string;
  maxUploadMs: number;
  contentType: string;
  tee: boolean;
  quiet: boolean;
}

export type Command = { action: 'help' } | { action: 'version' } | PutCommand;

const optionSpecs = {
  bucket: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'idle-limit': { type: 'string' },
  'heartbeat-after': { type: 'string' },
  filler: { type: 'string' },
  'max-upload': { type: 'string' },
  'content-type': { type: 'string' },
  tee: { type: 'boolean' },
  local: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** A duration in the largest unit that states it exactly: 90m, not ms's rounded "2h". */
export function formatDuration(milliseconds: number): string {
  const units = [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const;
  const unit = units.find(([, size]) => milliseconds % size === 0);
  return unit ? `${milliseconds / unit[1]}${unit[0]}` : `${milliseconds}ms`;
}

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

/** Reads the command line and the environment; throws UsageError for anything the user must fix. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  const secrets = secretsOf(env);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpecs, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's parseArgs messages can span lines; a usage error is one.
    throw new UsageError((error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
  const { values, positionals } = parsed;
  if (values.help) return { action: 'help' };
  if (values.version) return { action: 'version' };

  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing <object-key>' : `expected one <object-key>, got ${positionals.length}`);
  }
  const key = positionals[0]!;
  const brokenRule = brokenObjectNameRule(key);
  if (brokenRule) throw new UsageError(`<object-key> must be ${brokenRule}, got ${shown(key, secrets)}`);

  const duration = (option: string, text: string | undefined): number | undefined =>
    text === undefined ? undefined : parseDuration(option, text, secrets);
  const idleLimitMs = duration('idle-limit', values['idle-limit']) ?? IDLE_LIMITS.oss;
  // A heartbeat may come a sixteenth of --heartbeat-after late: the core refuses what could pass the limit.
  const mostAfterMs = maxHeartbeatAfterMs(idleLimitMs);
  if (mostAfterMs === 0) {
    throw new UsageError(`--idle-limit must be longer than 2ms: no heartbeat fits in less, got ${shown(values['idle-limit']!, secrets)}`);
  }
  const heartbeatAfterMs = duration('heartbeat-after', values['heartbeat-after']) ?? Math.min(idleLimitMs / 2, mostAfterMs);
  if (Math.ceil(heartbeatAfterMs) > mostAfterMs) {
    throw new UsageError(
      `--heartbeat-after must be at most ${mostAfterMs}ms for --idle-limit ${formatDuration(idleLimitMs)}, since a heartbeat ` +
        `may come a sixteenth of it late, got ${shown(values['heartbeat-after']!, secrets)}`,
    );
  }
  const filler = nonEmpty('--filler', values.filler) ?? ' ';
  if (!filler.isWellFormed()) throw new UsageError(`--filler must be valid text, got ${shown(filler, secrets)}`);
  const maxUploadMs = duration('max-upload', values['max-upload']) ?? DEFAULT_MAX_UPLOAD_MS;
  const contentType = check(
    { name: '--content-type', value: nonEmpty('--content-type', values['content-type']) ?? 'text/plain; charset=utf-8' },
    (text) => /^[\t\x20-\x7e]+$/.test(text),
    'one line of printable ASCII such as "text/plain; charset=utf-8"',
    secrets,
  );

  const target: Target = values.local ? { kind: 'local' } : ossTarget(values, env, secrets);
  return {
    action: 'put',
    key,
    target,
    idleLimitMs,
    heartbeatAfterMs,
    filler,
    maxUploadMs,
    contentType,
    tee: values.tee ?? false,
    quiet: values.quiet ?? false,
  };
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
