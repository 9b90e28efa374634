import { PassThrough } from 'node:stream';
import { appendAccountOf, appendStream, explainUploadError, type AppendAccount } from 'heartbeat-readable/oss';
import { adviceFor } from './advice.js';
import { AppendStatus } from './append-progress.js';
import type { AppendSettings } from './arguments.js';
import { SIGNAL_EXIT_CODES } from './interrupts.js';
import { inputOf, secondsSince, showStatus, whereStored, type Upload } from './upload.js';
import { INTERRUPT_GRACE_MS } from './usage.js';

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What the object holds, as far as OSS confirmed it, and how much of it this run appended. `lengthReported`: after
 * a conflict OSS reported the length, and whether this run's last append is among those bytes is unknown.
 */
function holds(
  key: string,
  { position, storedBytes, unconfirmedBytes }: Pick<AppendAccount, 'position' | 'storedBytes' | 'unconfirmedBytes'>,
  lengthReported = false,
): string {
  if (position === undefined) return `nothing from this run is stored in ${key}, whose length OSS never gave`;
  if (position === 0 && unconfirmedBytes === 0) return `nothing is stored in ${key}`;
  const fromRun = storedBytes === position ? '' : storedBytes === 0 ? ', none from this run' : `, ${storedBytes} of them from this run`;
  if (unconfirmedBytes === 0) return `${key} holds ${count(position, 'byte')}${fromRun}`;
  if (lengthReported) {
    return `${key} holds ${count(position, 'byte')}${fromRun}; whether this run's last append (${count(unconfirmedBytes, 'byte')}) is among them is unknown`;
  }
  const length = `${count(position, 'byte')}, or ${position + unconfirmedBytes} if the last append (${count(unconfirmedBytes, 'byte')}) landed`;
  return `${key} holds ${length}${fromRun}`;
}

/** What is stored, and what of the input read is not. */
function accountOfRun(key: string, account: AppendAccount, lengthReported: boolean): string {
  const unsent = account.unsentBytes > 0 ? `; ${count(account.unsentBytes, 'byte')} read from the input are not in it` : '';
  return `${holds(key, account, lengthReported)}${unsent}`;
}

/**
 * --append: the input in appends of at most --max-append bytes, each sent once its oldest byte is
 * --flush-interval old. An interrupt stops the reading and lets what was read be appended, for at most
 * INTERRUPT_GRACE_MS or until the next signal; then appendStream stops after the append in flight.
 */
export async function appendUpload(upload: Upload, settings: AppendSettings): Promise<number> {
  const { command, voice, client, interrupts } = upload;
  const progress = new AppendStatus();
  const input = inputOf(upload);
  // What appendStream reads: an interrupt ends it with an error once what was read before has been taken, so
  // appendStream appends all of it and then marks the log incomplete: its followers learn the build was cut short.
  let interrupted: Error | undefined;
  const feed = new PassThrough({
    flush(done) {
      if (interrupted === undefined) return done();
      const failOnceTaken = (): void => {
        if (this.readableLength > 0) return;
        this.off('data', failOnceTaken);
        done(interrupted);
      };
      // A 'data' listener does not resume a feed that appendStream paused: it fails once the reader took the rest.
      this.on('data', failOnceTaken);
      failOnceTaken();
    },
  });
  input.pipe(feed);
  input.once('error', (error) => feed.destroy(error));
  interrupts.windDownFirst(() => {
    input.unpipe(feed);
    interrupted = new Error(`interrupted by ${interrupts.by}`);
    feed.end();
  }, INTERRUPT_GRACE_MS);
  const status = showStatus(upload, { mode: 'append', progress });
  try {
    const result = await appendStream(client, command.key, feed, {
      ...settings.options,
      onProgress: progress.update,
      signal: interrupts.signal,
    });
    status.stop();
    if (interrupts.by) {
      const stored = { position: result.position, storedBytes: result.bytes, unconfirmedBytes: 0 };
      const readable = result.position === 0 ? '' : ' (everything up to the interrupt is readable)';
      voice.say(`interrupted by ${interrupts.by}: ${holds(command.key, stored)}${readable}`);
      return SIGNAL_EXIT_CODES[interrupts.by];
    }
    if (!command.quiet) {
      const object = result.position === result.bytes ? '' : `, the object is ${count(result.position, 'byte')}`;
      const checksum =
        result.position === 0
          ? '; the input was empty, so no object was created'
          : `, CRC-64 ${result.crc64}, ${result.complete ? 'marked complete' : `not marked complete (${result.incompleteReason})`}`;
      voice.say(
        `appended ${command.key}${whereStored(upload)}: ${result.bytes} bytes stored${object}, ${count(result.appends, 'append')}, ` +
          `${count(result.retries, 'retry', 'retries')}, ${secondsSince(upload)}${checksum}`,
      );
    }
    return 0;
  } catch (error) {
    status.stop();
    const explanation = explainUploadError(error);
    const account = appendAccountOf(error);
    const stored = account && accountOfRun(command.key, account, explanation.kind === 'append-conflict');
    if (interrupts.by) {
      const readable = error === interrupted && account !== undefined && account.position !== 0 ? ' (everything up to the interrupt is readable)' : '';
      voice.say(`interrupted by ${interrupts.by}: ${stored ?? 'the upload was aborted'}${readable}`);
      return SIGNAL_EXIT_CODES[interrupts.by];
    }
    const soFar = stored === undefined ? '' : ` So far, ${stored}.`;
    voice.say(`append to ${command.key} failed (${explanation.kind}): ${adviceFor(explanation, command, error)}${soFar}`);
    voice.debug(error);
    return 1;
  } finally {
    // Whatever was not read is no longer wanted: after an interrupt or a failure, stop reading.
    if (!input.readableEnded) input.destroy();
  }
}
