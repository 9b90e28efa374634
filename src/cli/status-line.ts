import type { HeartbeatReadable } from 'heartbeat-readable';

const REFRESH_MS = 250;
export const CLEAR_LINE = '\r\x1b[2K';

/**
 * A live line on a terminal's stderr: bytes sent, heartbeats and the current silence of the input.
 * Redrawn in place; `stop()` erases it so the summary line stands alone.
 */
export function startStatusLine(stream: HeartbeatReadable, stderr: NodeJS.WritableStream): { stop(): void } {
  let lastBytes = stream.dataBytes;
  let lastDataAt = Date.now();
  const draw = (): void => {
    if (stream.dataBytes !== lastBytes) {
      lastBytes = stream.dataBytes;
      lastDataAt = Date.now();
    }
    const silentSeconds = Math.floor((Date.now() - lastDataAt) / 1000);
    stderr.write(
      `${CLEAR_LINE}heartbeat-put: ${lastBytes} bytes sent, ${stream.heartbeats} heartbeats, silent ${silentSeconds} s`,
    );
  };
  const interval = setInterval(draw, REFRESH_MS);
  interval.unref();
  return {
    stop() {
      clearInterval(interval);
      stderr.write(CLEAR_LINE);
    },
  };
}
