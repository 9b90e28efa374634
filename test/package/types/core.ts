// Compiled by test/package/types.test.ts against the installed package, under every module resolution.
import { Readable } from 'node:stream';
import { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { HeartbeatReadable, IDLE_LIMITS, withHeartbeat, type HeartbeatInfo, type HeartbeatSource } from 'heartbeat-readable';

export const log = new HeartbeatReadable({ idleLimitMs: IDLE_LIMITS.oss, heartbeatAfterMs: 20_000 });
log.on('heartbeat', (info: HeartbeatInfo) => info.count + info.silentMs);
log.once('heartbeat', ({ count }) => count.toFixed());
// @ts-expect-error -- a listener's argument keeps Readable's own type: an Error has no such property
log.on('error', (error) => error.noSuchProperty);
log.on('close', () => undefined);
// @ts-expect-error -- 'heartbeat' passes a HeartbeatInfo, not a string
log.on('heartbeat', (info: string) => info);

async function* lines(): AsyncGenerator<string> {
  yield 'step 1\n';
}
export const sources: HeartbeatSource[] = [Readable.from(['a']), lines(), new NodeWebReadableStream<Uint8Array>()];
export const wrapped: HeartbeatReadable = withHeartbeat(lines());
export const counted: number = wrapped.heartbeats + wrapped.dataBytes;
// @ts-expect-error -- a number is not a source
withHeartbeat(5);
