import type {
  AppendConflictError,
  AppendGaveUpError,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  ResumeMismatchError,
  UploadErrorExplanation,
  UploadErrorKind,
} from 'heartbeat-readable/oss';
import { uploadContextOf } from 'heartbeat-readable/oss';
import { describeFailure } from '../internal/failures.js';
import type { PutCommand } from './arguments.js';
import { firstLineOf, formatDuration, formatSize } from './format.js';

/** What a failed upload's line says for one kind of failure: what happened, and which flag to change. */
type Advice = (command: PutCommand, error: unknown, explanation: UploadErrorExplanation) => string;

/** The fields of an appendStream error of that class: read by name, as explainUploadError reads them. */
function fieldsOf<T>(error: unknown): Partial<T> {
  return typeof error === 'object' && error !== null ? error : {};
}

/** The last failure behind an appendStream error that has one. */
function causeOf(error: unknown): string {
  return describeFailure((error as { cause?: unknown } | null)?.cause);
}

/** A measured time, in seconds to a tenth: 5.0s. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * What the upload saw before the server ended it (putStreamWithHeartbeat's context): a silence that came
 * before the first heartbeat was due, or one the heartbeats should have ended but for a late filler.
 */
function idleCloseAdvice({ heartbeat: { heartbeatAfterMs } }: PutCommand, error: unknown): string {
  const { heartbeats = 0, silentMs, maxSilenceMs } = uploadContextOf(error) ?? {};
  const closed = `the server closed the connection ${silentMs === undefined ? 'during a silence' : `after ${seconds(silentMs)} of silence`}`;
  if (heartbeats === 0) {
    return (
      `${closed}, before the first heartbeat (due after ${formatDuration(heartbeatAfterMs)}): a server or proxy on the way ` +
      'ends idle requests sooner. Set --idle-limit to its limit, or lower --heartbeat-after.'
    );
  }
  return (
    `${closed}, though ${heartbeats === 1 ? 'a heartbeat' : `${heartbeats} heartbeats`} had gone out: the next one came ` +
    `later than the heartbeats allow (${seconds(maxSilenceMs ?? heartbeatAfterMs)}), as when the machine is overloaded. ` +
    'Lower --heartbeat-after, or set --idle-limit to the limit of the server or proxy on the way.'
  );
}

/**
 * The command's advice for each kind explainUploadError names: a Record over UploadErrorKind, so a kind renamed
 * or added in the library fails to compile here. The library's own messages name its API (createOssClient,
 * maxUploadMs, resume: true); a command's user changes flags. With --append, what is stored follows the advice.
 */
const ADVICE: Record<UploadErrorKind, Advice> = {
  'server-idle-close': idleCloseAdvice,
  // A failure the library has no name for: its own words, unchanged.
  other: (_command, _error, explanation) => explanation.message,
  'connection-refused':
    ({ target }) =>
      `nothing accepted the connection at the endpoint (connection refused), so nothing was stored. ${
        target.kind === 'local'
          ? 'The embedded local OSS server stopped listening: a bug in heartbeat-put.'
          : 'Check --endpoint or --region (OSS_ENDPOINT, OSS_REGION), and if the endpoint is a local server, that it is running.'
      }`,
  'request-time-limit':
    () =>
      'a server or proxy on the way limits how long one request may last, whether bytes flow or not, ' +
      'so heartbeats cannot help. Use --append: it sends the input in short appends, and the object grows as it comes.',
  'client-socket-timeout':
    ({ client: { maxUploadMs } }) =>
      `the connection's inactivity timeout (--max-upload, now ${formatDuration(maxUploadMs)}) ended the upload. ` +
      'Raise --max-upload above the longest upload.',
  'response-timeout':
    ({ client: { maxUploadMs } }) =>
      `the upload ran longer than --max-upload (now ${formatDuration(maxUploadMs)}), which bounds the whole upload. ` +
      'Raise --max-upload above the longest upload.',
  'source-error':
    ({ append }, error) =>
      append
        ? `reading standard input failed (${firstLineOf(error)}); everything read before it was appended. Look at what feeds heartbeat-put.`
        : `reading standard input failed (${firstLineOf(error)}), so nothing was stored. Look at what feeds heartbeat-put.`,
  'aborted':
    ({ append }) =>
      append
        ? 'the appends were cancelled; what was appended stays in the object.'
        : 'the upload was cancelled before the input ended, so nothing was stored.',
  'unconfirmed-success':
    () =>
      "the server answered success without OSS's evidence (an ETag and a request id): the object may be missing " +
      'or cut short. A proxy on the way may have cut the body: point --endpoint (or --region) at OSS itself.',
  'object-exists':
    ({ key }, error) => {
      const { objectType, existingBytes } = fieldsOf<ObjectExistsError>(error);
      const found = `${key} already exists (${objectType}, ${existingBytes} bytes), and --append does not overwrite it.`;
      return objectType === 'Appendable'
        ? `${found} Pass --resume to continue it, or choose a new key.`
        : `${found} Choose a new key: --resume continues only an object that --append created.`;
    },
  'not-appendable':
    ({ key }, error) => {
      const { objectType } = fieldsOf<ObjectNotAppendableError>(error);
      return (
        `${key} is ${objectType ? `a ${objectType} object` : 'not an appendable object'}: OSS appends only to objects that ` +
        'AppendObject created, so --resume cannot continue it. Choose a new key.'
      );
    },
  'append-conflict':
    ({ key }, error) => {
      const { expected, actual } = fieldsOf<AppendConflictError>(error);
      const what =
        expected?.length === actual?.length
          ? `the content of ${key} is not what this run appended (CRC-64 ${actual?.crc64}, expected ${expected?.crc64})`
          : `another writer changed ${key}: this run expected ${expected?.length} bytes, and found ${actual?.length}`;
      return `${what}. Give each build a key of its own, and read this object before trusting it.`;
    },
  'append-gave-up':
    ({ append }, error) => {
      const { attempts, elapsedMs } = fieldsOf<AppendGaveUpError>(error);
      return (
        `OSS stayed unreachable or failing for ${seconds(elapsedMs ?? 0)} and ${attempts} tries (the last: ` +
        `${causeOf(error)}), past --retry-for (now ${formatDuration(append?.resolved.retry.maxElapsedMs ?? 0)}). Raise --retry-for to ride out ` +
        'longer outages; a later run continues the object with --resume.'
      );
    },
  'append-refused':
    (_command, error) =>
      `OSS refused a request (${causeOf(error)}), and retrying cannot help. Check the credentials and what they may do, ` +
      'the bucket (--bucket) and the key.',
  'progress-callback-threw':
    (_command, error) =>
      `following the upload for the status line failed (${causeOf(error)}): a bug in heartbeat-put, not a problem with ` +
      'the upload. What was appended stays in the object, and --resume continues it.',
  'resume-mismatch':
    ({ key }, error) => {
      const { expectedBytes, actualBytes } = fieldsOf<ResumeMismatchError>(error);
      const found = actualBytes === undefined ? `${key} does not exist` : `${key} is ${actualBytes} bytes long`;
      return (
        `${found}, not ${expectedBytes} as --resume-at says: nothing was appended, so the log is neither doubled nor cut. ` +
        'Find out which run wrote it before continuing it.'
      );
    },
  'log-complete':
    ({ key }) =>
      `${key} was marked complete by the run that wrote it, and appending would change a finished log under its ` +
      'readers. Pass --reopen to continue it anyway, or choose a new key.',
  'object-too-large':
    ({ key, append }, error) => {
      const { limitBytes, cause } = fieldsOf<ObjectTooLargeError>(error);
      return cause === undefined
        ? `the next append would take ${key} past ${formatSize(limitBytes ?? 0)}, OSS's limit for an appendable object. ` +
            'Continue the log in a new key.'
        : `OSS refused an append to ${key} as too large (${causeOf(error)}): lower --max-append (now ` +
            `${formatSize(append?.resolved.maxAppendBytes ?? 0)}), or continue the log in a new key if it has reached ${formatSize(limitBytes ?? 0)}.`;
    },
};

/** The line's text after `failed (<kind>): ` for a failed upload. */
export function adviceFor(explanation: UploadErrorExplanation, command: PutCommand, error: unknown): string {
  // A kind this build does not know (a newer library under an older command) is told in the library's words too.
  return (ADVICE[explanation.kind] ?? ADVICE.other)(command, error, explanation);
}
