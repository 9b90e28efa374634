import { withHeartbeat } from 'heartbeat-readable';
import { explainUploadError, putStreamWithHeartbeat } from 'heartbeat-readable/oss';
import { adviceFor } from './advice.js';
import { SIGNAL_EXIT_CODES } from './interrupts.js';
import { inputOf, secondsSince, showStatus, whereStored, type Upload } from './upload.js';

/** The default mode: the input as the body of one long PUT, kept alive through silence by heartbeats. */
export async function streamUpload(upload: Upload): Promise<number> {
  const { command, voice, client, interrupts } = upload;
  const body = withHeartbeat(inputOf(upload), command.heartbeat.options);
  const status = showStatus(upload, { mode: 'stream', body });
  try {
    const result = await putStreamWithHeartbeat(client, command.key, body, {
      mime: command.contentType,
      signal: interrupts.signal,
    });
    status.stop();
    if (!command.quiet) {
      voice.say(
        `uploaded ${command.key}${whereStored(upload)}: ${result.dataBytes} bytes, ${result.heartbeats} heartbeats, ` +
          `${secondsSince(upload)}, ETag ${String(result.res.headers && (result.res.headers as Record<string, string>).etag)}`,
      );
    }
    return 0;
  } catch (error) {
    status.stop();
    if (interrupts.by) {
      voice.say(
        // putStreamWithHeartbeat's AbortError: whether the whole body had been handed to the request.
        (error as { bodySent?: unknown } | null)?.bodySent === true
          ? `interrupted by ${interrupts.by} after the whole input was sent: ${command.key} may have been stored ` +
              "(the server's answer was not awaited)"
          : `interrupted by ${interrupts.by} before the input ended; the upload was aborted and nothing was stored`,
      );
      return SIGNAL_EXIT_CODES[interrupts.by];
    }
    const explanation = explainUploadError(error);
    voice.say(`upload of ${command.key} failed (${explanation.kind}): ${adviceFor(explanation, command, error)}`);
    voice.debug(error);
    return 1;
  }
}
