/* Which known failure an upload's error is: the decision alone; upload-error-words.ts words it. */
import type { AppendErrorKind } from './append/explain.js';
import { isSourceError } from './source-errors.js';
import { uploadContextOf, type UploadContext } from './upload-context.js';

/** The kinds of a streamed upload's failures. */
export type StreamErrorKind =
  | 'server-idle-close'
  | 'request-time-limit'
  | 'client-socket-timeout'
  | 'response-timeout'
  | 'source-error'
  | 'aborted'
  | 'unconfirmed-success'
  | 'connection-refused'
  | 'other';

/** Every kind explainUploadError names: one union, so a renamed kind fails to compile where it is worded. */
export type UploadErrorKind = StreamErrorKind | AppendErrorKind;

export interface ErrorFields {
  name: string;
  code: string;
  status: string;
  /** The message's first line, without the request urllib appends: short, and no URL to leak. */
  summary: string;
  /**
   * Messages, stacks and codes of the error and its causes: ali-oss 6 rebuilds network errors, so old stacks
   * survive only inside messages, and fetch puts the socket's error in `cause`.
   */
  fullText: string;
  /** ali-oss's copy of the x-oss-request-id header: only OSS itself sends one. */
  requestId: string;
}

const asText = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

function causesOf(error: object): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  for (let link: unknown = error; typeof link === 'object' && link !== null && chain.length < 5; ) {
    chain.push(link as Record<string, unknown>);
    link = (link as { cause?: unknown }).cause;
  }
  return chain;
}

function fieldsOf(error: object): ErrorFields {
  const { name, code, status, message, requestId } = error as Record<string, unknown>;
  return {
    name: asText(name),
    code: asText(code),
    status: asText(status),
    summary: asText(message).split('\n')[0]!.split(/, [A-Z]+ https?:\/\//)[0]!.trim(),
    fullText: causesOf(error)
      .map((link) => `${asText(link.message)}\n${asText(link.stack)}\n${asText(link.code)}`)
      .join('\n'),
    requestId: asText(requestId),
  };
}

export type ServerEnd = 'timeout-status' | 'fin';

/**
 * How the server ended the request, if it did: a status that names a timeout (an idle limit answered with
 * a status: nginx 408, S3 RequestTimeout, a proxy's 504, or a 503 that OSS did not send), or a FIN.
 */
function serverEndOf({ code, status, fullText, requestId }: ErrorFields): ServerEnd | undefined {
  if (status === '408' || status === '504' || code === 'RequestTimeout') return 'timeout-status';
  if (status === '503' && requestId === '') return 'timeout-status';
  // Which socket listener raised the hang-up tells who closed: 'end' is the server's FIN; 'close' without
  // 'end' is this side destroying the socket (the agent's inactivity timeout, handled before this).
  if (/\bsocketOnEnd\b/.test(fullText)) return 'fin';
  // undici (fetch) names the FIN "other side closed", code UND_ERR_SOCKET, in the error's cause.
  if (/\bUND_ERR_SOCKET\b/.test(fullText)) return 'fin';
  // Without a stack (ali-oss 6.23 drops it): urllib 2.44 keeps the agent from timing out an active upload
  // socket, so a hang-up before any response is the server ending the connection.
  if (/\bsocket hang up\b/.test(fullText)) return 'fin';
  return undefined;
}

/** No server's idle limit is this short: a source whose data reached the request this recently was sending, not idle. */
const SENDING_MS = 100;

function sending(context: UploadContext): boolean {
  return context.sinceDataMs !== undefined && context.sinceDataMs < SENDING_MS;
}

/** Heartbeats were sent, and none was missed: the server saw bytes at least every `maxSilenceMs`. */
function keptAlive({ heartbeats, maxSilenceMs, silentMs }: UploadContext): boolean {
  return heartbeats > 0 && maxSilenceMs !== undefined && (silentMs ?? 0) <= maxSilenceMs;
}

/**
 * An idle limit ends only a silent request. With the context putStreamWithHeartbeat attached, a request the
 * heartbeats kept alive, or one that was sending, was ended by a limit on the whole request (a timeout
 * status says so; a bare FIN while sending may also be a server going away). Without it, idle is the rule.
 */
function kindOfServerEnd(end: ServerEnd, context: UploadContext | undefined): StreamErrorKind {
  if (context === undefined || !(sending(context) || keptAlive(context))) return 'server-idle-close';
  return end === 'fin' && sending(context) ? 'other' : 'request-time-limit';
}

/** What diagnose() found: the kind, and what the wording draws on. */
export interface Diagnosis {
  kind: StreamErrorKind;
  fields?: ErrorFields;
  context?: UploadContext;
  end?: ServerEnd;
}

/** Decides which failure `error` is: the kind alone, no words. */
export function diagnose(error: unknown): Diagnosis {
  if (typeof error !== 'object' || error === null) return { kind: 'other' };
  const fields = fieldsOf(error);
  const context = uploadContextOf(error);
  const { name, code, fullText } = fields;
  const diagnosis = (kind: StreamErrorKind, end?: ServerEnd): Diagnosis => ({ kind, fields, context, end });
  if (isSourceError(error)) return diagnosis('source-error');
  if (name === 'AbortError') return diagnosis('aborted');
  if (code === 'ERR_UNCONFIRMED_SUCCESS') return diagnosis('unconfirmed-success');
  if (name === 'ResponseTimeoutError' || /\bResponse timeout for \d+ms/.test(fullText)) return diagnosis('response-timeout');
  if (/\bsocketCloseListener\b/.test(fullText)) return diagnosis('client-socket-timeout');
  // agentkeepalive 4 destroys a timed-out active socket with its own error.
  if (code === 'ERR_SOCKET_TIMEOUT' || /^Socket timeout\b/.test(fullText)) return diagnosis('client-socket-timeout');
  // ali-oss replaces a network error's code with its name: the system code survives only in the text.
  if (code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(fullText)) return diagnosis('connection-refused');
  const end = serverEndOf(fields);
  return diagnosis(end === undefined ? 'other' : kindOfServerEnd(end, context), end);
}
