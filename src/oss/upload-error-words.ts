import type { Diagnosis, ErrorFields } from './upload-error-diagnosis.js';
import type { UploadContext } from './upload-context.js';

/*
 * The words for each kind of a streamed upload's failure: upload-error-diagnosis.ts decides the kind, this says it.
 * One or two sentences, from the error's name, code, status and first line, never its URL or headers.
 */

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

/** What happened and what to change, for the kind diagnose() found. */
export function messageFor(error: unknown, diagnosis: Diagnosis): string {
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

