import { explainAppendError, type AppendErrorKind } from './append/explain.js';
import { isSourceError } from './source-errors.js';
import { uploadContextOf, type UploadContext } from './upload-context.js';

/** The kinds of a streamed upload's failures. */
type StreamErrorKind =
  | 'server-idle-close'
  | 'request-time-limit'
  | 'client-socket-timeout'
  | 'response-timeout'
  | 'source-error'
  | 'aborted'
  | 'unconfirmed-success'
  | 'connection-refused'
  | 'other';

export type UploadErrorKind = StreamErrorKind | AppendErrorKind;

export interface UploadErrorExplanation {
  kind: UploadErrorKind;
  /**
   * One or two sentences: what happened and what to change. Built from the error's name, code, status
   * and first line, never from the request, its URL or its headers.
   */
  message: string;
}

interface ErrorFields {
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

type ServerEnd = 'timeout-status' | 'fin';

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

interface Diagnosis {
  kind: StreamErrorKind;
  fields?: ErrorFields;
  context?: UploadContext;
  end?: ServerEnd;
}

function diagnose(error: unknown): Diagnosis {
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

function duration(ms: number): string {
  return ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function describeOther({ name, code, status, summary, fullText }: ErrorFields, { context, end }: Diagnosis): string {
  if (context && end === 'fin') {
    return (
      `The server closed the connection ${duration(context.elapsedMs)} into the upload, while the body was being sent: ` +
      'not an idle limit. The server went away, or it limits the whole request: retry, and if it fails at the same ' +
      'point again, send shorter requests: append mode (appendStream).'
    );
  }
  const networkCode = /\b(ECONNRESET|EPIPE|ETIMEDOUT)\b/.exec(fullText)?.[1];
  if (networkCode) {
    return (
      `The connection failed (${networkCode}) before the upload completed, so nothing was stored. ` +
      'If the upload had been silent, a proxy or firewall may have dropped the idle connection: keep heartbeats on; otherwise retry.'
    );
  }
  const httpStatus = status !== '' && status !== '-1' ? ` (HTTP ${status})` : '';
  const reason = summary === '' ? '' : `: "${summary}"`;
  return (
    `The upload failed with ${code || name || 'an error'}${httpStatus}${reason}. ` +
    'It is not an idle or timeout failure, so heartbeats and longer timeouts will not help; act on the error itself.'
  );
}

function describeIdleClose(context: UploadContext | undefined): string {
  if (context === undefined) {
    return (
      'The server closed the connection after the upload sent nothing for its idle limit (OSS: about 60 s). ' +
      'Upload through withHeartbeat / putStreamWithHeartbeat so a filler byte is sent before the limit.'
    );
  }
  const silence = context.silentMs === undefined ? '' : ` after ${duration(context.silentMs)} in which the upload sent nothing`;
  const why =
    context.heartbeats === 0
      ? 'No heartbeat went out before it: the server (or a proxy) has an idle limit shorter than heartbeatAfterMs. ' +
        "Set the heartbeat's idleLimitMs to that limit, or a shorter heartbeatAfterMs."
      : `Heartbeats allow at most ${duration(context.maxSilenceMs ?? 0)} of silence, so the event loop was blocked ` +
        'and the next filler came too late: keep the event loop free, or lower heartbeatAfterMs.';
  return `The server (or a proxy in front of it) ended the upload for idleness${silence}. ${why}`;
}

function describeRequestTimeLimit({ context, end }: Diagnosis): string {
  const ran = context ? ` after ${duration(context.elapsedMs)}` : '';
  // A bare FIN does not say why: a restart looks the same, once.
  const orGone = end === 'fin' ? ' (or it went away: if a retry fails at the same point, it is the limit)' : '';
  const alive =
    context && context.heartbeats > 0 && context.maxSilenceMs !== undefined
      ? `heartbeats never let it be silent for more than ${duration(context.maxSilenceMs)}`
      : 'the body was being sent';
  return (
    `The server (or a proxy in front of it) ended the upload${ran} although ${alive}: a limit on the whole ` +
    `request, not an idle limit${orGone}. No heartbeat beats a limit on the whole request; send shorter requests: ` +
    'append mode (appendStream).'
  );
}

function messageFor(error: unknown, diagnosis: Diagnosis): string {
  const { fields, context } = diagnosis;
  switch (diagnosis.kind) {
    case 'server-idle-close':
      return describeIdleClose(context);
    case 'request-time-limit':
      return describeRequestTimeLimit(diagnosis);
    case 'client-socket-timeout':
      return (
        "The HTTP agent destroyed the upload's socket after it sat idle for the agent's socket timeout. " +
        'Create the client with createOssClient, or pass ali-oss an agent whose timeout outlasts the longest upload.'
      );
    case 'response-timeout': {
      const ms = /Response timeout for (\d+)ms/.exec(fields?.fullText ?? '')?.[1];
      return (
        `The client's response timeout${ms ? ` (${ms} ms)` : ''} ran out before the upload finished; ` +
        "ali-oss's timeout bounds the whole upload, not just the wait for a reply. " +
        'Create the client with createOssClient (maxUploadMs), or give it a timeout longer than the longest upload.'
      );
    }
    case 'source-error':
      return (
        `The source stream failed (${fields?.summary || 'no message'}), ` +
        'so the upload was cancelled and nothing was stored. ' +
        "This is the source's own error: look at what feeds the upload, not at the connection."
      );
    case 'aborted':
      return (error as { bodySent?: unknown }).bodySent === true
        ? 'The upload was aborted after its whole body had been sent: the server may have stored the complete ' +
            'object. Check for it (a HEAD request) before uploading it again.'
        : 'The upload was aborted through its AbortSignal, or its body was destroyed, before it completed; ' +
            'nothing to change unless the abort was unexpected.';
    case 'unconfirmed-success':
      return (
        `The upload was answered with success${fields?.status ? ` (HTTP ${fields.status})` : ''} but without an ETag ` +
        'or an x-oss-request-id: OSS did not confirm it. A proxy in front of OSS may have cut the body and answered ' +
        'itself; treat the object as not stored, and look at the limits of that proxy.'
      );
    case 'connection-refused':
      return (
        'Nothing accepted the connection at the endpoint (ECONNREFUSED), so nothing was sent or stored: the endpoint ' +
        'or region names a host and port where no server listens. Check them, and that the server (a local one in a ' +
        'test) is running; heartbeats and timeouts play no part.'
      );
    case 'other':
      return fields ? describeOther(fields, diagnosis) : `The upload failed with a non-error value of type ${typeof error}.`;
  }
}

/** Names which of the known failure modes of a long streaming upload `error` is, and what to change. */
export function explainUploadError(error: unknown): UploadErrorExplanation {
  const append = explainAppendError(error);
  if (append) return append;
  const diagnosis = diagnose(error);
  return { kind: diagnosis.kind, message: messageFor(error, diagnosis) };
}
