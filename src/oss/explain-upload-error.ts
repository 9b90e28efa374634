import { isSourceError } from './source-errors.js';

export type UploadErrorKind =
  | 'server-idle-close'
  | 'client-socket-timeout'
  | 'response-timeout'
  | 'source-error'
  | 'aborted'
  | 'other';

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
  /** Message and stack: ali-oss 6 rebuilds network errors, so old stacks survive only inside messages. */
  text: string;
}

function fieldsOf(error: object): ErrorFields {
  const { name, code, status, message, stack } = error as Record<string, unknown>;
  const text = (value: unknown): string =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  const fullMessage = text(message);
  return {
    name: text(name),
    code: text(code),
    status: text(status),
    summary: fullMessage.split('\n')[0]!.split(/, [A-Z]+ https?:\/\//)[0]!.trim(),
    text: `${fullMessage}\n${text(stack)}`,
  };
}

function kindOf(error: unknown): UploadErrorKind {
  if (typeof error !== 'object' || error === null) return 'other';
  if (isSourceError(error)) return 'source-error';
  const { name, code, status, text } = fieldsOf(error);
  if (name === 'AbortError') return 'aborted';
  if (name === 'ResponseTimeoutError' || /\bResponse timeout for \d+ms/.test(text)) return 'response-timeout';
  // An idle limit answered with a status instead of a FIN: nginx's 408, S3's RequestTimeout.
  if (status === '408' || code === 'RequestTimeout') return 'server-idle-close';
  // Which socket listener raised the hang-up tells who closed: 'end' is the server's FIN; 'close' without
  // 'end' is this side destroying the socket, in the seed the agent's inactivity timeout.
  if (/\bsocketOnEnd\b/.test(text)) return 'server-idle-close';
  if (/\bsocketCloseListener\b/.test(text)) return 'client-socket-timeout';
  // agentkeepalive 4 destroys a timed-out active socket with its own error.
  if (code === 'ERR_SOCKET_TIMEOUT' || /^Socket timeout\b/.test(text)) return 'client-socket-timeout';
  // Without a stack (ali-oss 6.23 drops it): urllib 2.44 keeps the agent from timing out an active upload
  // socket, so a hang-up before any response is the server ending the connection.
  if (/\bsocket hang up\b/.test(text)) return 'server-idle-close';
  return 'other';
}

function describeOther({ name, code, status, summary, text }: ErrorFields): string {
  // ali-oss replaces a network error's code with its name: the system code survives only in the text.
  const networkCode = /\b(ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED)\b/.exec(text)?.[1];
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

function messageFor(kind: UploadErrorKind, error: unknown): string {
  const fields = typeof error === 'object' && error !== null ? fieldsOf(error) : undefined;
  switch (kind) {
    case 'server-idle-close':
      return (
        'The server closed the connection after the upload sent nothing for its idle limit (OSS: about 60 s). ' +
        'Upload through withHeartbeat / putStreamWithHeartbeat so a filler byte is sent before the limit.'
      );
    case 'client-socket-timeout':
      return (
        "The HTTP agent destroyed the upload's socket after it sat idle for the agent's socket timeout. " +
        'Create the client with createOssClient, or pass ali-oss an agent whose timeout outlasts the longest upload.'
      );
    case 'response-timeout': {
      const ms = /Response timeout for (\d+)ms/.exec(fields?.text ?? '')?.[1];
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
      return (
        'The upload was aborted through its AbortSignal, or its body was destroyed, before it completed; ' +
        'nothing to change unless the abort was unexpected.'
      );
    case 'other':
      return fields ? describeOther(fields) : `The upload failed with a non-error value of type ${typeof error}.`;
  }
}

/** Names which of the known failure modes of a long streaming upload `error` is, and what to change. */
export function explainUploadError(error: unknown): UploadErrorExplanation {
  const kind = kindOf(error);
  return { kind, message: messageFor(kind, error) };
}
