import type OSS from 'ali-oss';
// The core comes from the root entry, as a user imports it: one HeartbeatReadable class per process.
import { HeartbeatReadable, IDLE_LIMITS, withHeartbeat, type HeartbeatOptions, type HeartbeatSource } from 'heartbeat-readable';
import { assertOptionsObject, describeValue } from '../options.js';
import { AbortError } from './abort-error.js';
import { isObjectName, OBJECT_NAME_RULE } from './names.js';
import { markSourceError } from './source-errors.js';

// @types/ali-oss marks timeout, mime, meta and callback as required; ali-oss needs none of them.
export type PutStreamWithHeartbeatOptions = Partial<OSS.PutStreamOptions> & {
  /** Default `idleLimitMs`: IDLE_LIMITS.oss. */
  heartbeat?: HeartbeatOptions;
  /** Aborting rejects with an AbortError at once and destroys the source, which cancels the request. */
  signal?: AbortSignal;
};

export type PutStreamWithHeartbeatResult = OSS.PutObjectResult & {
  /** Fillers sent during silences. */
  heartbeats: number;
  /** Bytes of the source sent, fillers excluded. */
  dataBytes: number;
};

/** `methods`: the client methods the caller uses. */
export function assertClient(client: unknown, methods: readonly (keyof OSS)[] = ['putStream']): asserts client is OSS {
  if (methods.some((method) => typeof (client as Partial<OSS> | null | undefined)?.[method] !== 'function')) {
    // Not describeValue: an options object passed by mistake would print its accessKeySecret.
    throw new TypeError(`client must be an ali-oss client, got ${client === null ? 'null' : typeof client}`);
  }
}

export function assertObjectName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`name must be a non-empty string, got ${describeValue(name)}`);
  if (!isObjectName(name)) throw new RangeError(`name must be ${OBJECT_NAME_RULE}, got ${describeValue(name)}`);
}

export function assertSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
}

/**
 * `client.putStream` of `source` with a filler byte whenever the source is silent for half the server's
 * idle limit, so OSS does not end the connection during a silent build step. Sent chunked; a source
 * error rejects with the source's own error, and aborting `signal` cancels the request.
 */
export async function putStreamWithHeartbeat(
  client: OSS,
  name: string,
  source: HeartbeatSource,
  options: PutStreamWithHeartbeatOptions = {},
): Promise<PutStreamWithHeartbeatResult> {
  assertClient(client);
  assertObjectName(name);
  assertOptionsObject('options', options);
  const { heartbeat, signal, ...putOptions } = options;
  assertOptionsObject('heartbeat', heartbeat);
  if (putOptions.contentLength !== undefined) {
    throw new TypeError(
      'contentLength must be left out: fillers change the length, so the body is sent chunked, ' +
        `got ${describeValue(putOptions.contentLength)}`,
    );
  }
  assertSignal(signal);
  if (source instanceof HeartbeatReadable && heartbeat !== undefined) {
    throw new TypeError('heartbeat options must be set where the HeartbeatReadable source was created, got both');
  }
  // A HeartbeatReadable already sends fillers: wrapping it again would count them as data.
  const body = source instanceof HeartbeatReadable ? source : withHeartbeat(source, { idleLimitMs: IDLE_LIMITS.oss, ...heartbeat });
  if (signal?.aborted) {
    body.destroy();
    throw new AbortError(signal.reason);
  }

  // ali-oss reports a failed source as a generic "premature close"; the source's own error says why,
  // and a body destroyed without an error was cancelled by its owner: an abort, not a network failure.
  let sourceError: Error | undefined;
  body.once('error', (error: Error) => {
    sourceError = error;
  });
  let cancelled = false;
  body.once('close', () => {
    cancelled = sourceError === undefined && !body.readableEnded;
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    // Destroying the body reaches the request through ali-oss's and urllib's pumps (ali-oss #752).
    const onAbort = (): void => {
      settle(() => reject(new AbortError(signal?.reason)));
      body.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    client.putStream(name, body, putOptions as OSS.PutStreamOptions).then(
      (result) => {
        const { heartbeats, dataBytes } = body;
        settle(() => resolve({ ...(result as OSS.PutObjectResult), heartbeats, dataBytes }));
      },
      (error: Error) => {
        if (sourceError) markSourceError(sourceError);
        // ali-oss destroys the body itself after a network failure; only its "premature close" means the body went first.
        const cancellation =
          cancelled && /^premature close\b/.test(String(error?.message))
            ? new AbortError(new Error('the upload body was destroyed before it ended'))
            : undefined;
        settle(() => reject(sourceError ?? cancellation ?? error));
      },
    );
  });
}
