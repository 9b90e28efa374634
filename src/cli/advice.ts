import type { UploadErrorExplanation } from 'heartbeat-readable/oss';
import { formatDuration, type PutCommand } from './arguments.js';

/** What a failed upload's line says for one kind of failure: what happened, and which flag to change. */
type Advice = (command: PutCommand, error: unknown) => string;

function firstLineOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message.split('\n')[0]! : 'no message';
}

/**
 * The command's advice for each kind explainUploadError names. The library's own messages name its
 * API (createOssClient, maxUploadMs); a command's user changes flags. A kind missing here is told in the
 * library's words.
 */
const ADVICE = new Map<string, Advice>([
  [
    'server-idle-close',
    ({ heartbeatAfterMs }) =>
      `the server closed the connection during a silence, though a heartbeat went after ${formatDuration(heartbeatAfterMs)} ` +
      'of silence: a server or proxy on the way ends idle requests sooner. Set --idle-limit to its limit, ' +
      'or lower --heartbeat-after.',
  ],
  [
    'request-time-limit',
    () =>
      'a server or proxy on the way limits how long one request may last, whether bytes flow or not, ' +
      'so heartbeats cannot help. Use shorter requests: upload each build step as its own object.',
  ],
  [
    'client-socket-timeout',
    ({ maxUploadMs }) =>
      `the connection's inactivity timeout (--max-upload, now ${formatDuration(maxUploadMs)}) ended the upload. ` +
      'Raise --max-upload above the longest upload.',
  ],
  [
    'response-timeout',
    ({ maxUploadMs }) =>
      `the upload ran longer than --max-upload (now ${formatDuration(maxUploadMs)}), which bounds the whole upload. ` +
      'Raise --max-upload above the longest upload.',
  ],
  [
    'source-error',
    (_command, error) =>
      `reading standard input failed (${firstLineOf(error)}), so nothing was stored. Look at what feeds heartbeat-put.`,
  ],
  [
    'aborted',
    () => 'the upload was cancelled before the input ended, so nothing was stored.',
  ],
  [
    'unconfirmed-success',
    () =>
      "the server answered success without OSS's evidence (an ETag and a request id): the object may be missing " +
      'or cut short. A proxy on the way may have cut the body: point --endpoint (or --region) at OSS itself.',
  ],
]);

/** The library's words, without the API names it gives in parentheses: "append mode (appendStream)". */
function withoutApiNames(message: string): string {
  return message.replace(/ \((?:appendStream|createOssClient|putStreamWithHeartbeat|withHeartbeat)\b[^)]*\)/g, '');
}

/** The line's text after `failed (<kind>): ` for a failed upload. */
export function adviceFor(explanation: UploadErrorExplanation, command: PutCommand, error: unknown): string {
  const advice = ADVICE.get(explanation.kind);
  return advice ? advice(command, error) : withoutApiNames(explanation.message);
}
