import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import Agent from 'agentkeepalive';
import OSS from 'ali-oss';
import ms from 'ms';
import {
  assertBoolean,
  assertOptionsObject,
  assertPositiveMs,
  describeValue,
  invalidType,
  invalidValue,
  MAX_TIMER_MS,
  outOfRange,
  withoutUndefined,
  type Optional,
} from '../internal/validation.js';
import {
  BUCKET_NAME_RULE,
  ENDPOINT_RULE,
  isBucketName,
  isEndpoint,
  isRegionId,
  maskedEndpoint,
  REGION_RULE,
} from '../internal/names.js';
import { credentialMatcher } from '../internal/credentials.js';
import { assertCredential, assertFollowsRule } from '../internal/oss-validation.js';

/** How long one upload may take before the client gives up on it. */
export const DEFAULT_MAX_UPLOAD_MS = 2 * 60 * 60 * 1000;
/** agentkeepalive's own default: a pooled socket older than this may already be closed by the server. */
export const DEFAULT_FREE_SOCKET_TIMEOUT_MS = 4000;

/**
 * ali-oss's options, each optional one taking undefined as if it were left out. ali-oss accepts `agent` and
 * `httpsAgent` though @types/ali-oss does not list them.
 */
export interface OssClientOptions
  extends Pick<OSS.Options, 'accessKeyId' | 'accessKeySecret'>,
    Optional<Omit<OSS.Options, 'accessKeyId' | 'accessKeySecret' | 'endpoint'>> {
  /** A host or an http(s) URL, as a string or a URL. */
  endpoint?: string | URL | undefined;
  agent?: HttpAgent | undefined;
  httpsAgent?: HttpsAgent | undefined;
  /** The longest an upload may take, in ms: both the socket inactivity and the response timeout. Default 2 h. */
  maxUploadMs?: number | undefined;
  /** How long an unused pooled socket is kept, in ms. Default 4000. */
  freeSocketTimeoutMs?: number | undefined;
}

type Show = (value: unknown) => string;

const HOLDS_CREDENTIAL = 'a value that contains a credential';

/**
 * describeValue, unless the value holds a credential by the rule of credentials.ts (variables swapped in CI,
 * a token pasted into an endpoint): then only that it does.
 */
function shownWithout(credentials: readonly unknown[]): Show {
  const { holds } = credentialMatcher(credentials);
  return (value) => {
    const shown = describeValue(value);
    // A URL's href in full: describeValue shortens the strings inside an object.
    const raw = typeof value === 'string' ? value : value instanceof URL ? value.href : shown;
    return holds(raw) || holds(shown) ? HOLDS_CREDENTIAL : shown;
  };
}

/** ali-oss's own reading of a timeout (humanize-ms): a number of ms, or a string `ms` parses such as '60s'. */
function timeoutMs(value: unknown, show: Show): number {
  const rule = 'timeout must be a positive duration: a number of ms or a string such as "60s"';
  if (typeof value !== 'number' && typeof value !== 'string') throw invalidType('timeout', `${rule}, got ${show(value)}`);
  // ms throws on an empty string and returns undefined for text it cannot read.
  const parsed = typeof value === 'number' ? value : value.trim() === '' ? undefined : (ms(value as ms.StringValue) as number | undefined);
  // A number is out of its range; a string is a value not taken.
  const refused = typeof value === 'number' ? outOfRange : invalidValue;
  if (parsed === undefined || !Number.isFinite(parsed) || parsed <= 0) throw refused('timeout', `${rule}, got ${show(value)}`);
  if (parsed > MAX_TIMER_MS) throw refused('timeout', `timeout must be at most ${MAX_TIMER_MS} ms, got ${show(value)}`);
  return parsed;
}

function endpointText(value: unknown, show: Show): string {
  if (value instanceof URL) return endpointText(value.href, show);
  if (typeof value !== 'string') throw invalidType('endpoint', `endpoint must be a string or a URL, got ${show(value)}`);
  if (!isEndpoint(value)) throw invalidValue('endpoint', `endpoint must be ${ENDPOINT_RULE}, got ${show(maskedEndpoint(value))}`);
  // ali-oss wants no path: a URL's href ends in "/".
  return value.replace(/\/$/, '');
}

/** Every ali-oss option this package relies on or documents, checked before ali-oss sees it. */
function checkOssOptions(options: OssClientOptions, show: Show): void {
  const { region, bucket } = options;
  // Valid-looking or not, it would end up in a host name, and from there in DNS errors and logs.
  for (const name of ['region', 'endpoint', 'bucket'] as const) {
    if (show(options[name]) === HOLDS_CREDENTIAL) {
      throw invalidValue(name, `${name} must not hold a credential (are two variables swapped?), got ${HOLDS_CREDENTIAL}`);
    }
  }
  if (region !== undefined) assertFollowsRule('region', region, isRegionId, REGION_RULE, show);
  if (bucket !== undefined) assertFollowsRule('bucket', bucket, isBucketName, BUCKET_NAME_RULE, show);
  for (const name of ['secure', 'cname', 'internal'] as const) {
    if (options[name] !== undefined) assertBoolean(name, options[name], show);
  }
  for (const name of ['agent', 'httpsAgent'] as const) {
    const agent = options[name];
    // What Node's http.request needs of an agent.
    if (agent !== undefined && typeof (agent as { addRequest?: unknown } | null)?.addRequest !== 'function') {
      throw invalidType(name, `${name} must be an http.Agent, got ${show(agent)}`);
    }
  }
}

/** createOssClient's options checked and its defaults applied: what it hands ali-oss, agents aside. */
export interface ResolvedOssClientOptions {
  /** The options for ali-oss, without undefined values, the endpoint as ali-oss takes it. */
  ossOptions: Omit<OssClientOptions, 'maxUploadMs' | 'freeSocketTimeoutMs'>;
  maxUploadMs: number;
  freeSocketTimeoutMs: number;
  /** ali-oss's timeout: the caller's own, or maxUploadMs. */
  timeout: number;
}

/**
 * createOssClient's checks, run before it creates a client: the options checked and the defaults applied; throws a
 * TypeError or RangeError that names the option (its `option`), carries a `code`, and never shows a credential.
 */
export function resolveOssClientOptions(options: OssClientOptions): ResolvedOssClientOptions {
  if (options === undefined) throw invalidType('options', 'options must be an object, got undefined');
  assertOptionsObject('options', options);
  const {
    maxUploadMs = DEFAULT_MAX_UPLOAD_MS,
    freeSocketTimeoutMs = DEFAULT_FREE_SOCKET_TIMEOUT_MS,
    ...ossOptions
  } = options;
  // Checked here, not by ali-oss: its errors would not say which option is wrong.
  assertCredential('accessKeyId', ossOptions.accessKeyId);
  assertCredential('accessKeySecret', ossOptions.accessKeySecret);
  if (ossOptions.stsToken !== undefined) assertCredential('stsToken', ossOptions.stsToken);
  const show = shownWithout([ossOptions.accessKeyId, ossOptions.accessKeySecret, ossOptions.stsToken]);
  assertPositiveMs('maxUploadMs', maxUploadMs);
  assertPositiveMs('freeSocketTimeoutMs', freeSocketTimeoutMs);
  checkOssOptions(ossOptions, show);
  const timeout = ossOptions.timeout === undefined ? maxUploadMs : timeoutMs(ossOptions.timeout, show);
  const endpoint = ossOptions.endpoint === undefined ? undefined : endpointText(ossOptions.endpoint, show);
  // ali-oss merges options over its defaults: an undefined would replace one.
  const given = { ...withoutUndefined(ossOptions), ...(endpoint !== undefined && { endpoint }) } as ResolvedOssClientOptions['ossOptions'];
  return { ossOptions: given, maxUploadMs, freeSocketTimeoutMs, timeout };
}

/**
 * An ali-oss client whose timeouts let a long streaming upload live: ali-oss's defaults end it after
 * 60 s (urllib's response timer covers the whole upload) and old agents destroyed a socket idle for 30 s.
 * A caller's own `agent`, `httpsAgent` or `timeout` is kept as given.
 */
export function createOssClient(options: OssClientOptions): OSS {
  const { ossOptions, maxUploadMs, freeSocketTimeoutMs, timeout } = resolveOssClientOptions(options);
  const agentOptions = { keepAlive: true, timeout: maxUploadMs, freeSocketTimeout: freeSocketTimeoutMs };
  return new OSS({
    ...ossOptions,
    timeout,
    agent: ossOptions.agent ?? new Agent(agentOptions),
    httpsAgent: ossOptions.httpsAgent ?? new Agent.HttpsAgent(agentOptions),
  } as OSS.Options);
}
