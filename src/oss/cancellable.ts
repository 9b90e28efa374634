import type OSS from 'ali-oss';

export const REQUEST_CANCELLED = 'ERR_REQUEST_CANCELLED';

/** A request this call ended before it was answered: on an abort, or past its time limit. Its outcome is unknown. */
export class RequestCancelledError extends Error {
  override readonly name = 'RequestCancelledError';
  readonly code = REQUEST_CANCELLED;

  constructor(why: string) {
    super(`The request was cancelled ${why} before OSS answered, so whether it was applied is unknown`);
  }
}

/** What urllib 2 (ali-oss 6's HTTP client) offers besides its promise API: the request it starts. */
interface Urllib {
  requestWithCallback(
    url: unknown,
    args: unknown,
    callback: (error: unknown, data: unknown, res: { statusCode: number; headers: object }) => void,
  ): { destroy(error?: Error): void } | undefined;
}

/**
 * A view of `client` whose requests are handed to `onRequest` as they start, so they can be ended. ali-oss sends
 * through `this.urllib.request`, and answers from what it resolves with, as urllib's own promise wrapper makes it.
 * A client without urllib 2's callback API (a test double, a custom HTTP client) is used as it is.
 */
function reachingRequests(client: OSS, onRequest: (request: { destroy(error?: Error): void }) => void): OSS {
  const urllib = (client as { urllib?: Partial<Urllib> }).urllib;
  if (typeof urllib?.requestWithCallback !== 'function') return client;
  const view = Object.create(client) as OSS & { urllib: { request(url: unknown, args: unknown): Promise<unknown> } };
  view.urllib = {
    request: (url, args) =>
      new Promise((resolve, reject) => {
        const request = (urllib as Urllib).requestWithCallback(url, args, (error, data, res) =>
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- urllib's error, passed on as it came
          error ? reject(error) : resolve({ data, status: res.statusCode, headers: res.headers, res }),
        );
        if (request) onRequest(request);
      }),
  };
  return view;
}

/**
 * Sends one request with `send`, bounded twice: it ends at once when `signal` aborts, and after `limitMs` at the
 * latest (ali-oss's own timeout comes first; this bound holds for any client). Either way the request's socket is
 * destroyed where the client lets it be reached, and the promise rejects with a RequestCancelledError at once.
 */
export function sendCancellable<T>(
  client: OSS,
  signal: AbortSignal | undefined,
  limitMs: number,
  send: (client: OSS) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const requests: { destroy(error?: Error): void }[] = [];
    const end = (why: string): void => {
      settle();
      const error = new RequestCancelledError(why);
      for (const request of requests) request.destroy(error);
      reject(error);
    };
    const onAbort = (): void => end('by the abort');
    const timer = setTimeout(() => end(`after ${limitMs} ms`), limitMs);
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Settling after end() changes nothing: a promise settles once.
    send(reachingRequests(client, (request) => requests.push(request))).then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the client's error, passed on as it came
        reject(error);
      },
    );
  });
}
