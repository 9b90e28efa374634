/**
 * What an answer says, and whether OSS sent it. Only OSS's own answers count: a proxy, a captive page or a wrong
 * endpoint can answer 200 in its place (Caddy's read_body answers an empty 200), and such an answer says nothing
 * about the object. OSS puts x-oss-request-id on every answer, and its lengths and CRC-64s are decimal numbers.
 */

import { REQUEST_CANCELLED } from './cancellable.js';

export const NOT_OSS_ANSWER = 'ERR_NOT_OSS_ANSWER';

/** An answer that OSS did not send, or not whole: whether the request was applied is unknown. */
export class NotOssAnswerError extends Error {
  override readonly name = 'NotOssAnswerError';
  readonly code = NOT_OSS_ANSWER;

  constructor(
    readonly request: 'append' | 'HEAD' | 'GET' | 'tagging',
    readonly status: number,
    readonly missing: string,
  ) {
    super(
      `An ${request} request was answered with HTTP ${status} without ${missing}: OSS did not send this answer ` +
        '(a proxy, a captive page or a wrong endpoint answered in its place), so it says nothing about the object',
    );
  }
}

/** What a failed request says about itself: applied or not, or refused for good. */
export type FailureOutcome = 'not-applied' | 'unknown' | 'refused';

/**
 * OSS's error codes for AppendObject and HeadObject, sorted once. 'not-applied': OSS refused the request before
 * applying it, for a reason a resend can fix. 'unknown': it may have been applied; the object's length tells.
 * 'refused': the same request would get the same answer. A code not listed is sorted by its status.
 */
export const OSS_ERROR_OUTCOMES: Readonly<Record<string, FailureOutcome>> = Object.freeze({
  // 400: the body came too slowly (OSS's own idle limit), or damaged (Content-MD5): a resend fixes both.
  RequestTimeout: 'not-applied',
  InvalidDigest: 'not-applied',
  // 409: a resend of an append that landed (ali-oss's retryMax), or another writer.
  PositionNotEqualToLength: 'unknown',
  InternalError: 'unknown',
  ServiceUnavailable: 'unknown',
  // Credentials, permissions, names and sizes: a resend gets the same answer.
  AccessDenied: 'refused',
  InvalidAccessKeyId: 'refused',
  SignatureDoesNotMatch: 'refused',
  SecurityTokenExpired: 'refused',
  InvalidSecurityToken: 'refused',
  RequestTimeTooSkewed: 'refused',
  NoSuchBucket: 'refused',
  InvalidBucketName: 'refused',
  InvalidObjectName: 'refused',
  InvalidArgument: 'refused',
  MissingArgument: 'refused',
  MissingContentLength: 'refused',
  EntityTooLarge: 'refused',
  ObjectNotAppendable: 'refused',
  MethodNotAllowed: 'refused',
  NotImplemented: 'refused',
});

function statusOutcome(status: unknown): FailureOutcome {
  if (typeof status !== 'number') return 'refused';
  // -1: a network error, -2: a timeout (ali-oss's statuses for no answer).
  return status === -1 || status === -2 || status >= 500 || status === 408 || status === 429 ? 'unknown' : 'refused';
}

/** Failures that end a request without an answer: whatever was sent may have been applied. */
const NO_ANSWER = new Set<unknown>(['ResponseTimeoutError', 'ConnectionTimeoutError', NOT_OSS_ANSWER, REQUEST_CANCELLED]);

/** What a failed append or HEAD says about itself. Only OSS's own answer can say a request was not applied. */
export function outcomeOf(error: unknown): FailureOutcome {
  if (typeof error !== 'object' || error === null) return 'refused';
  const { name, code, status, requestId } = error as Record<string, unknown>;
  if (NO_ANSWER.has(code) || NO_ANSWER.has(name)) return 'unknown';
  const listed = typeof code === 'string' && Object.hasOwn(OSS_ERROR_OUTCOMES, code) ? OSS_ERROR_OUTCOMES[code] : undefined;
  const outcome = listed ?? statusOutcome(status);
  return outcome === 'not-applied' && !fromOss(requestId) ? 'unknown' : outcome;
}

function fromOss(requestId: unknown): boolean {
  return typeof requestId === 'string' && requestId !== '';
}

/**
 * Whether a failed request is known not to have changed the object: OSS itself answered (its request id), or
 * no HTTP exchange took place (an error without a status, thrown before sending). A proxy's error page is neither.
 */
export function knownNotApplied(error: unknown): boolean {
  if (outcomeOf(error) === 'unknown') return false;
  const { status, requestId } = (error ?? {}) as Record<string, unknown>;
  return fromOss(requestId) || typeof status !== 'number';
}

/** Whether a failure is OSS's own answer, by its x-oss-request-id. */
export function answeredByOss(error: unknown): boolean {
  return fromOss((error as { requestId?: unknown } | null)?.requestId);
}

export function header(headers: object, name: string): string | undefined {
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** A length as OSS writes it: a decimal number, nothing else (Number('') would be 0, Number('12x') NaN). */
function lengthIn(headers: object, name: string): number | undefined {
  const text = header(headers, name);
  if (text === undefined || !/^(?:0|[1-9]\d*)$/.test(text)) return undefined;
  const length = Number(text);
  return Number.isSafeInteger(length) ? length : undefined;
}

/** A CRC-64 as OSS writes it: an unsigned 64-bit decimal. */
export function crc64In(headers: object): string | undefined {
  const text = header(headers, 'x-oss-hash-crc64ecma');
  return text !== undefined && /^(?:0|[1-9]\d{0,19})$/.test(text) && BigInt(text) < 2n ** 64n ? text : undefined;
}

interface Answer {
  status: number;
  headers: object;
}

/** What a successful AppendObject answer confirms: the object's new length and CRC-64, both from OSS. */
export function confirmedAppend({ status, headers }: Answer): { length: number; crc64: string } {
  const length = lengthIn(headers, 'x-oss-next-append-position');
  const crc64 = crc64In(headers);
  if (!fromOss(header(headers, 'x-oss-request-id'))) throw new NotOssAnswerError('append', status, 'an x-oss-request-id');
  if (length === undefined) throw new NotOssAnswerError('append', status, 'a numeric x-oss-next-append-position');
  if (crc64 === undefined) throw new NotOssAnswerError('append', status, 'a numeric x-oss-hash-crc64ecma');
  return { length, crc64 };
}

/** Checks that OSS sent a successful answer (a GET, a tagging request): its request id. */
export function answerFromOss(request: NotOssAnswerError['request'], { status, headers }: Answer): void {
  if (!fromOss(header(headers, 'x-oss-request-id'))) throw new NotOssAnswerError(request, status, 'an x-oss-request-id');
}

/** An object as a HEAD showed it; `type` undefined: there is no such object. */
export interface ObjectState {
  type: string | undefined;
  length: number;
  crc64: string | undefined;
}

/** What a HeadObject answer says about the object. */
export function reportedObject({ status, headers }: Answer): ObjectState {
  const type = header(headers, 'x-oss-object-type');
  if (status !== 200) throw new NotOssAnswerError('HEAD', status, 'a 200 status');
  if (!fromOss(header(headers, 'x-oss-request-id'))) throw new NotOssAnswerError('HEAD', status, 'an x-oss-request-id');
  if (type === undefined || type === '') throw new NotOssAnswerError('HEAD', status, 'an x-oss-object-type');
  const crc64 = crc64In(headers);
  if (type !== 'Appendable') {
    const length = lengthIn(headers, 'content-length');
    if (length === undefined) throw new NotOssAnswerError('HEAD', status, 'a numeric Content-Length');
    return { type, length, crc64 };
  }
  const length = lengthIn(headers, 'x-oss-next-append-position');
  if (length === undefined) throw new NotOssAnswerError('HEAD', status, 'a numeric x-oss-next-append-position');
  if (crc64 === undefined) throw new NotOssAnswerError('HEAD', status, 'a numeric x-oss-hash-crc64ecma');
  return { type, length, crc64 };
}

/**
 * Whether a failed HEAD is OSS saying there is no such object. A 404 from anything else (a proxy's page) is not:
 * it is rethrown as a NotOssAnswerError, whose outcome is unknown.
 */
export function isNoSuchObject(error: unknown): boolean {
  const { status, requestId } = (error ?? {}) as Record<string, unknown>;
  if (status !== 404) return false;
  if (fromOss(requestId)) return true;
  throw new NotOssAnswerError('HEAD', 404, 'an x-oss-request-id');
}
