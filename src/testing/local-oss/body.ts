import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface BodyRules {
  /** Silence in ms inside a body after which the connection is ended with a FIN, as OSS does. */
  idleLimitMs: number;
  /** The most body bytes kept in memory for one request. */
  maxBodyBytes: number;
}

export interface BodyCounters {
  /** Requests whose body went silent for idleLimitMs, so the server ended the connection. */
  idleClosed: number;
  /** Requests whose connection closed before their body completed. */
  aborted: number;
  /** The longest silence in ms between request headers and body chunks, over all requests. */
  maxBodyGapMs: number;
  /** Request body bytes held in memory, summed over all requests. */
  bodyBytesBuffered: number;
  /** Body bytes of refused requests, read and dropped without being kept. */
  bodyBytesDiscarded: number;
}

/** How reading a body ended when it did not yield the body. */
export type BodyFailure = 'too-large' | 'closed';

/**
 * Reads a request body into memory under the idle rule. Settles with the body; with 'too-large' as soon
 * as it passes maxBodyBytes (what was kept is let go and the rest discarded, as after any refusal); or
 * with 'closed' when the connection ends first (idle FIN, client abort, server closing): a partial body
 * is never kept.
 */
export function readBody(req: IncomingMessage, rules: BodyRules, counters: BodyCounters): Promise<Buffer | BodyFailure> {
  return new Promise((resolve) => {
    let chunks: Buffer[] | undefined = [];
    let kept = 0;
    void followBody(req, rules, counters, (chunk) => {
      kept += chunk.length;
      if (chunks && kept > rules.maxBodyBytes) {
        chunks = undefined;
        resolve('too-large');
      }
      if (!chunks) {
        counters.bodyBytesDiscarded += chunk.length;
        return;
      }
      counters.bodyBytesBuffered += chunk.length;
      chunks.push(chunk);
    }).then((complete) => resolve(complete && chunks ? Buffer.concat(chunks, kept) : 'closed'));
  });
}

/**
 * Reads the rest of a refused request's body without keeping it. Memory stays flat whatever the client
 * sends; closing instead would reset the connection under a client still sending, which could lose the
 * answer, and a drained connection stays usable for the client's next request (keep-alive).
 */
export function discardBody(req: IncomingMessage, rules: BodyRules, counters: BodyCounters): void {
  void followBody(req, rules, counters, (chunk) => {
    counters.bodyBytesDiscarded += chunk.length;
  });
}

/**
 * Hands each body chunk to `onChunk` and applies OSS's idle rule: after idleLimitMs without a body byte
 * the connection is ended with a FIN (not a reset, as OSS does). Resolves true when the body is
 * complete, false when the connection ended first.
 */
function followBody(
  req: IncomingMessage,
  rules: BodyRules,
  counters: BodyCounters,
  onChunk: (chunk: Buffer) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    let lastBodyEventAt = performance.now();
    let idleClosed = false;
    const idleTimer = setTimeout(() => {
      idleClosed = true;
      counters.idleClosed += 1;
      req.socket.end();
    }, rules.idleLimitMs);

    req.on('data', (chunk: Buffer) => {
      // A client may keep writing into a connection it has not yet seen ended.
      if (idleClosed) return;
      const now = performance.now();
      counters.maxBodyGapMs = Math.max(counters.maxBodyGapMs, now - lastBodyEventAt);
      lastBodyEventAt = now;
      idleTimer.refresh();
      onChunk(chunk);
    });
    // The socket, not the request: once an answer is sent, Node no longer closes the request with it.
    // Also runs when the server is closed, so no idle timer outlives the server.
    const onSocketClose = (): void => {
      clearTimeout(idleTimer);
      if (!idleClosed) counters.aborted += 1;
      resolve(false);
    };
    req.socket.once('close', onSocketClose);
    req.on('end', () => {
      clearTimeout(idleTimer);
      req.socket.off('close', onSocketClose);
      resolve(!idleClosed);
    });
  });
}
