import { Readable } from 'node:stream';
import { HeartbeatReadable, SeedOssReadStream } from './product.js';

/** The push-driven streams compared: no heartbeat at all, the product, and the seed's fix. */
export type StreamKind = 'plain' | 'heartbeat' | 'seed';

export const STREAM_KINDS: readonly StreamKind[] = ['plain', 'heartbeat', 'seed'];

/** A stream the caller pushes into; both heartbeat designs wait `silenceMs` before a filler. */
export function createPushStream(kind: StreamKind, silenceMs: number): Readable {
  switch (kind) {
    case 'plain':
      return new Readable({ read() {} });
    case 'heartbeat':
      return new HeartbeatReadable({ heartbeatAfterMs: silenceMs, idleLimitMs: silenceMs * 2 });
    case 'seed':
      return new SeedOssReadStream({ thresholdMs: silenceMs });
  }
}

/** A line of build log, ASCII so that a UTF-8-safe stream never has to hold a tail back. */
export function logChunk(size: number): Buffer {
  const line = Buffer.alloc(size, 'compiling src/module.ts ... ok ');
  line[size - 1] = 0x0a;
  return line;
}
