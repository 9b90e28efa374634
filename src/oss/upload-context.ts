import type { HeartbeatInfo, HeartbeatReadable } from 'heartbeat-readable';
import { longestGapMs } from '../internal/steps.js';

/** What putStreamWithHeartbeat saw of a failed upload: what tells an idle limit from a limit on the whole request. */
export interface UploadContext {
  /** How long the upload ran before it failed, in ms. */
  elapsedMs: number;
  /** How long the body had handed nothing (data or filler) to the request when it failed, in ms; undefined if never read. */
  silentMs: number | undefined;
  /** How long since the source's own data (not a filler) last reached the request, in ms; undefined if none did. */
  sinceDataMs: number | undefined;
  /** Fillers sent. */
  heartbeats: number;
  /**
   * The longest silence the heartbeats allowed, in ms: a heartbeat's silence plus one step of a sixteenth,
   * the README's bound. Undefined while no heartbeat was sent: then heartbeats played no part.
   */
  maxSilenceMs: number | undefined;
}

// Symbol.for: a second copy of the package in the process (ESM and CommonJS, two versions) reads it too.
const UPLOAD_CONTEXT = Symbol.for('heartbeat-readable.uploadContext');

/** The context putStreamWithHeartbeat attached to the error it rejected with, if any. */
export function uploadContextOf(error: unknown): UploadContext | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as Record<symbol, UploadContext | undefined>)[UPLOAD_CONTEXT];
}

export function attachUploadContext(error: unknown, context: UploadContext): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  // Not enumerable: logs and inspect() show the error as the client raised it.
  Object.defineProperty(error, UPLOAD_CONTEXT, { value: context, configurable: true });
}

/**
 * Follows an upload's body from the moment the request reads it: when it last handed bytes on, and the
 * silences its heartbeats ended. Listens only once the body flows, so it never starts the flow itself.
 */
export function watchUpload(body: HeartbeatReadable): { contextNow(): UploadContext; stop(): void } {
  const startedAt = performance.now();
  let lastSentAt: number | undefined;
  let lastDataAt: number | undefined;
  let dataBytesSeen = 0;
  let maxSilenceMs: number | undefined;
  const onData = (): void => {
    lastSentAt = performance.now();
    // A filler leaves dataBytes as it was.
    if (body.dataBytes !== dataBytesSeen) {
      dataBytesSeen = body.dataBytes;
      lastDataAt = lastSentAt;
    }
  };
  const onHeartbeat = ({ silentMs }: HeartbeatInfo): void => {
    maxSilenceMs = Math.max(maxSilenceMs ?? 0, longestGapMs(silentMs));
  };
  const listen = (): void => {
    body.on('data', onData);
  };
  if (body.readableFlowing === true) listen();
  else body.once('resume', listen);
  body.on('heartbeat', onHeartbeat);
  return {
    contextNow() {
      const now = performance.now();
      return {
        elapsedMs: Math.round(now - startedAt),
        silentMs: lastSentAt === undefined ? undefined : Math.round(now - lastSentAt),
        sinceDataMs: lastDataAt === undefined ? undefined : Math.round(now - lastDataAt),
        heartbeats: body.heartbeats,
        maxSilenceMs,
      };
    },
    stop() {
      body.off('resume', listen);
      body.off('data', onData);
      body.off('heartbeat', onHeartbeat);
    },
  };
}
