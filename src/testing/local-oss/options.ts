import { randomBytes } from 'node:crypto';
import { MAX_APPENDABLE_OBJECT_BYTES } from '../../internal/limits.js';
import { IDLE_LIMITS } from 'heartbeat-readable';
import { BUCKET_NAME_RULE, isBucketName } from '../../internal/names.js';
import { assertCredential, assertFollowsRule } from '../../internal/oss-validation.js';
import { assertInteger, assertOptionsObject, assertPositiveMs, describeValue, invalidType, invalidValue } from '../../internal/validation.js';

export interface LocalOssOptions {
  /** Silence in ms inside a request body after which the connection is ended with a FIN. Default 60_000, like OSS. */
  idleLimitMs?: number | undefined;
  /** Generated when absent. */
  bucket?: string | undefined;
  /** Generated when absent. */
  accessKeyId?: string | undefined;
  /** Generated when absent. */
  accessKeySecret?: string | undefined;
  /** Default '127.0.0.1'. */
  host?: string | undefined;
  /** Default 0: any free port. */
  port?: number | undefined;
  /** The largest request body kept in memory, in bytes; larger ones get 400 EntityTooLarge. Default 256 MiB. */
  maxBodyBytes?: number | undefined;
  /** The largest object, in bytes (PutObject, and what appends may grow to). Default 5 GiB, as OSS. */
  maxObjectBytes?: number | undefined;
  /** How far a request's Date / x-oss-date may be from the server's clock. Default 900_000 (15 minutes), as OSS. */
  maxClockSkewMs?: number | undefined;
  /** The server's clock for that check, in ms since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
}

export type ResolvedLocalOssOptions = Required<LocalOssOptions>;

/**
 * Bodies are held in memory, so a test server must not accept OSS's 5 GB: one runaway upload would take
 * the machine's memory. 256 MiB holds any log a test or benchmark sends (the largest, 128 MiB) twice over.
 */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 ** 2;
/** OSS refuses a request dated more than 15 minutes from its clock (RequestTimeTooSkewed). */
export const OSS_MAX_CLOCK_SKEW_MS = 15 * 60_000;

export function resolveLocalOssOptions(options: LocalOssOptions | undefined): ResolvedLocalOssOptions {
  assertOptionsObject('options', options);
  const {
    idleLimitMs = IDLE_LIMITS.oss,
    bucket = `local-oss-${randomBytes(4).toString('hex')}`,
    accessKeyId = `LTAI${randomBytes(10).toString('hex')}`,
    accessKeySecret = randomBytes(24).toString('base64url'),
    host = '127.0.0.1',
    port = 0,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    maxObjectBytes = MAX_APPENDABLE_OBJECT_BYTES,
    maxClockSkewMs = OSS_MAX_CLOCK_SKEW_MS,
    now = Date.now,
  } = options ?? {};
  assertPositiveMs('idleLimitMs', idleLimitMs);
  assertFollowsRule('bucket', bucket, isBucketName, BUCKET_NAME_RULE);
  assertCredential('accessKeyId', accessKeyId);
  assertCredential('accessKeySecret', accessKeySecret);
  if (typeof host !== 'string') {
    throw invalidType('host', `host must be a non-empty string, got ${describeValue(host)}`);
  }
  if (host === '') {
    throw invalidValue('host', 'host must be a non-empty string, got ""');
  }
  assertInteger('port', port, 0, 65_535);
  assertInteger('maxBodyBytes', maxBodyBytes, 1);
  assertInteger('maxObjectBytes', maxObjectBytes, 1);
  assertPositiveMs('maxClockSkewMs', maxClockSkewMs, Number.MAX_SAFE_INTEGER);
  if (typeof now !== 'function') {
    throw invalidType('now', `now must be a function, got ${describeValue(now)}`);
  }
  return { idleLimitMs, bucket, accessKeyId, accessKeySecret, host, port, maxBodyBytes, maxObjectBytes, maxClockSkewMs, now };
}
