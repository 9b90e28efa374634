import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import Agent from 'agentkeepalive';
import OSS from 'ali-oss';
import { assertCredential, assertOptionsObject, assertPositiveMs } from '../options.js';

/** How long one upload may take before the client gives up on it. */
export const DEFAULT_MAX_UPLOAD_MS = 2 * 60 * 60 * 1000;
/** agentkeepalive's own default: a pooled socket older than this may already be closed by the server. */
export const DEFAULT_FREE_SOCKET_TIMEOUT_MS = 4000;

/** ali-oss accepts `agent` and `httpsAgent` though @types/ali-oss does not list them. */
export interface OssClientOptions extends OSS.Options {
  agent?: HttpAgent;
  httpsAgent?: HttpsAgent;
  /** The longest an upload may take, in ms: both the socket inactivity and the response timeout. Default 2 h. */
  maxUploadMs?: number;
  /** How long an unused pooled socket is kept, in ms. Default 4000. */
  freeSocketTimeoutMs?: number;
}

/**
 * An ali-oss client whose timeouts let a long streaming upload live: ali-oss's defaults end it after
 * 60 s (urllib's response timer covers the whole upload) and old agents destroyed a socket idle for 30 s.
 * A caller's own `agent`, `httpsAgent` or `timeout` is kept as given.
 */
export function createOssClient(options: OssClientOptions): OSS {
  if (options === undefined) throw new TypeError('options must be an object, got undefined');
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
  assertPositiveMs('maxUploadMs', maxUploadMs);
  assertPositiveMs('freeSocketTimeoutMs', freeSocketTimeoutMs);
  const agentOptions = { keepAlive: true, timeout: maxUploadMs, freeSocketTimeout: freeSocketTimeoutMs };
  return new OSS({
    ...ossOptions,
    timeout: ossOptions.timeout ?? maxUploadMs,
    agent: ossOptions.agent ?? new Agent(agentOptions),
    httpsAgent: ossOptions.httpsAgent ?? new Agent.HttpsAgent(agentOptions),
  } as OSS.Options);
}
