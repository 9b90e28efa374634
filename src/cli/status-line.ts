import type { HeartbeatReadable } from 'heartbeat-readable';
import type { AppendStatus } from './append-progress.js';

const REFRESH_MS = 250;
export const CLEAR_LINE = '\r\x1b[2K';

type StreamCounts = Pick<HeartbeatReadable, 'dataBytes' | 'heartbeats'>;
type AppendCounts = Pick<AppendStatus, 'storedBytes' | 'appends' | 'retries' | 'batchAgeMs'>;

/** What the line follows: one long PUT's body, or how far --append has got. */
export type StatusSource = { mode: 'stream'; body: StreamCounts } | { mode: 'append'; progress: AppendCounts };

/** Bytes sent, heartbeats, and how long the input has been silent: silence is what heartbeats are for. */
function streamFrames(body: StreamCounts): () => string {
  let lastBytes = body.dataBytes;
  let lastDataAt = Date.now();
  return () => {
    if (body.dataBytes !== lastBytes) {
      lastBytes = body.dataBytes;
      lastDataAt = Date.now();
    }
    const silentSeconds = Math.floor((Date.now() - lastDataAt) / 1000);
    return `${lastBytes} bytes sent, ${body.heartbeats} heartbeats, silent ${silentSeconds} s`;
  };
}

/** Bytes stored, appends, retries, and how long the oldest unsent byte has waited: what an outage grows. */
function appendFrames(progress: AppendCounts): () => string {
  return () => {
    const ageMs = progress.batchAgeMs();
    const waiting = ageMs === undefined ? 'nothing waiting' : `batch ${(ageMs / 1000).toFixed(1)} s old`;
    return `${progress.storedBytes} bytes stored, ${progress.appends} appends, ${progress.retries} retries, ${waiting}`;
  };
}

/**
 * A live line on a terminal's stderr, redrawn in place four times a second; `stop()` erases it so the summary
 * line stands alone.
 */
export function startStatusLine(source: StatusSource, stderr: NodeJS.WritableStream): { stop(): void } {
  const frame = source.mode === 'stream' ? streamFrames(source.body) : appendFrames(source.progress);
  const interval = setInterval(() => stderr.write(`${CLEAR_LINE}heartbeat-put: ${frame()}`), REFRESH_MS);
  interval.unref();
  return {
    stop() {
      clearInterval(interval);
      stderr.write(CLEAR_LINE);
    },
  };
}
