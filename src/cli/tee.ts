import { Transform, type Writable } from 'node:stream';

/** Why a copy stopped, in a few words: EPIPE is the usual `| head`, ENOSPC a full disk or /dev/full. */
function reasonOf(error: Error | null | undefined): string {
  if (!error) return 'it was closed';
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 'its reader went away: EPIPE';
  return error.message.split('\n')[0]!;
}

/**
 * Copies every chunk to `out` unchanged before passing it on. While `out` is full the input waits, so a
 * slow reader slows the input instead of filling memory. When `out` fails or closes (`| head`, /dev/full)
 * the copy stops for good and the chunks keep passing: `onStop` is called once, with the reason.
 *
 * A failed Writable never emits 'drain' (write() returned false, then EPIPE came): so a chunk waiting for
 * one is released by the failure as well, never left waiting.
 */
export function teeTo(out: Writable, onStop: (reason: string) => void): Transform {
  let copying = true;
  let release: (() => void) | undefined;
  const releaseWaiting = (): void => {
    const waiting = release;
    release = undefined;
    out.off('drain', releaseWaiting);
    waiting?.();
  };
  const stop = (error?: Error | null): void => {
    if (!copying) return;
    copying = false;
    out.off('close', onClose);
    onStop(reasonOf(error));
    releaseWaiting();
  };
  const onClose = (): void => stop((out as { errored?: Error | null }).errored);
  // Stays attached after the stop: a late error from `out` must not become an uncaught exception.
  out.on('error', stop);
  out.on('close', onClose);

  return new Transform({
    // Ended or destroyed with the upload: a late failure of `out` is no news, and must not say the upload goes on.
    destroy(error, callback) {
      copying = false;
      out.off('close', onClose);
      release = undefined;
      out.off('drain', releaseWaiting);
      callback(error);
    },
    transform(chunk: Buffer, _encoding, callback) {
      const pass = (): void => callback(null, chunk);
      if (copying && (out.destroyed || out.writableEnded)) stop(out.errored);
      if (!copying) return pass();
      const hasRoom = out.write(chunk, (error) => {
        if (error) stop(error);
      });
      if (hasRoom || !copying) return pass();
      release = pass;
      out.on('drain', releaseWaiting);
    },
  });
}
