import { Readable, type ReadableOptions } from 'node:stream';

export interface SeedOptions extends ReadableOptions {
  /** The seed pushed a filler after 50 s of silence, polling every 10 s: threshold / 5. */
  thresholdMs?: number;
}

/**
 * The seed's OSSReadStream (shared/seed), rebuilt as the baseline the product must beat. Kept as the
 * seed wrote it, flaws included: the clock starts at the first push, it polls instead of sleeping,
 * and only 'end' clears the interval (destroy leaks it).
 */
export class SeedOssReadStream extends Readable {
  private lastPushTime: number | null = null;
  private readonly thresholdMs: number;
  private heartbeatTimer: NodeJS.Timeout | null;

  constructor({ thresholdMs = 50_000, ...options }: SeedOptions = {}) {
    super(options);
    this.thresholdMs = thresholdMs;
    this.heartbeatTimer = setInterval(() => {
      const lastPushTime = this.lastPushTime;
      if (lastPushTime && Date.now() - lastPushTime > this.thresholdMs) this.push(Buffer.from(' '));
    }, thresholdMs / 5);
    this.on('end', () => {
      if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
    });
  }

  // The seed assigned `stream._read = () => {}` after construction; the runner pushes.
  override _read(): void {}

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    this.lastPushTime = Date.now();
    return super.push(chunk, encoding);
  }
}
