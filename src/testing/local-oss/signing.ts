import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorReply } from './errors.js';
import type { Route } from './route.js';

/** What a request is checked against: the server's credentials and clock. */
export interface SigningRules {
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The server's time in ms since the epoch. */
  now: () => number;
  /** How far a request's date may be from `now()`, either way. OSS allows 15 minutes. */
  maxClockSkewMs: number;
}

/**
 * Checks a request's OSS V1 header signature and date from its headers alone, so a request that fails
 * is refused before a byte of its body is read. Returns the error to answer with, or undefined.
 */
export function authenticate(method: string, headers: IncomingHttpHeaders, route: Route, rules: SigningRules): ErrorReply | undefined {
  const { authorization } = headers;
  if (authorization === undefined) return { error: 'AccessDenied' };
  const credentials = /^OSS (.+):([^:]+)$/.exec(authorization);
  if (!credentials) return { error: 'InvalidArgument' };
  if (!safeEqual(credentials[1]!, rules.accessKeyId)) return { error: 'InvalidAccessKeyId' };

  // ali-oss dates its requests with x-oss-date; other clients with Date.
  const date = headers['x-oss-date'] ?? headers.date;
  const requestTime = typeof date === 'string' ? Date.parse(date) : NaN;
  if (Number.isNaN(requestTime)) return { error: 'AccessDenied', message: 'OSS authentication requires a valid Date.' };
  // Without this a captured request could be replayed forever.
  if (Math.abs(rules.now() - requestTime) > rules.maxClockSkewMs) return { error: 'RequestTimeTooSkewed' };

  const resource = canonicalResource(`/${rules.bucket}/${route.key}`, route.query);
  const expected = createHmac('sha1', rules.accessKeySecret).update(stringToSign(method, headers, resource), 'utf8').digest('base64');
  return safeEqual(credentials[2]!, expected) ? undefined : { error: 'SignatureDoesNotMatch' };
}

/** `/bucket/key`, then the sub-resources sorted, as `name` or `name=value`, as ali-oss's signUtils builds it. */
function canonicalResource(path: string, query: URLSearchParams): string {
  const names = [...query.keys()].sort();
  if (names.length === 0) return path;
  return `${path}?${names.map((name) => (query.get(name) ? `${name}=${query.get(name)}` : name)).join('&')}`;
}

/** The V1 string to sign, built as ali-oss's signUtils.buildCanonicalString builds it. */
function stringToSign(method: string, headers: IncomingHttpHeaders, resource: string): string {
  const ossHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${String(headers[name]).trim()}`);
  return [
    method,
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers['x-oss-date'] ?? headers.date ?? '',
    ...ossHeaders,
    resource,
  ].join('\n');
}

/** Compares fixed-length digests, so the time taken says nothing about where the strings differ. */
function safeEqual(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
