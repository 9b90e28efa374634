import type OSS from 'ali-oss';
// The core comes from the root entry, as a user imports it: one HeartbeatReadable class per process.
import { HeartbeatReadable, IDLE_LIMITS, withHeartbeat, type HeartbeatOptions, type HeartbeatSource } from 'heartbeat-readable';
import { assertOptionsObject, assertSignal, describeValue, invalidType, withoutUndefined, type Optional } from '../internal/validation.js';
import { AbortError } from './abort-error.js';
import { handled } from './handled.js';
import { markSourceError } from './source-errors.js';
import { UnconfirmedSuccessError } from './unconfirmed-success-error.js';
import { attachUploadContext, watchUpload } from './upload-context.js';
import { assertClient, assertMime, assertObjectName } from '../internal/oss-validation.js';

// @types/ali-oss marks timeout, mime, meta and callback as required; ali-oss needs none of them.
// No contentLength, and no Content-Length header: fillers change the length, so the body is always sent chunked.
export type PutStreamWithHeartbeatOptions = Optional<Omit<OSS.PutStreamOptions, 'contentLength'>> & {
  /** Default `idleLimitMs`: IDLE_LIMITS.oss. */
  heartbeat?: HeartbeatOptions | undefined;
  /**
   * Aborting rejects at once with an AbortError and destroys the source, which cancels the request. The
   * error's `bodySent` is true when the whole body had already been sent: the server may then store the object.
   */
  signal?: AbortSignal | undefined;
};

export type PutStreamWithHeartbeatResult = OSS.PutObjectResult & {
  /** Fillers sent during silences. */
  heartbeats: number;
  /** Bytes of the source sent, fillers excluded. */
  dataBytes: number;
};

const CHUNKED_ONLY = 'must be left out: fillers change the length, so the body is sent chunked';

function assertChunked(putOptions: Record<string, unknown>): void {
  if (putOptions.contentLength !== undefined) {
    throw invalidType('contentLength', `contentLength ${CHUNKED_ONLY}, got ${describeValue(putOptions.contentLength)}`);
  }
  const { headers } = putOptions;
  assertOptionsObject('headers', headers);
  // HTTP header names are case-insensitive: ali-oss would send this one beside its Transfer-Encoding.
  const lengthHeader = Object.keys(headers ?? {}).find((header) => header.toLowerCase() === 'content-length');
  if (lengthHeader !== undefined) {
    const value = (headers as Record<string, unknown>)[lengthHeader];
    const option = `headers[${JSON.stringify(lengthHeader)}]`;
    throw invalidType(option, `${option} ${CHUNKED_ONLY}, got ${describeValue(value)}`);
  }
}

/**
 * putStreamWithHeartbeat's options checked, as it checks them before it starts: throws a TypeError or RangeError
 * that names the option (its `option`) and carries a `code`. `putOptions`: what goes on to ali-oss's putStream.
 */
export function resolvePutStreamWithHeartbeatOptions(options: PutStreamWithHeartbeatOptions | undefined): {
  heartbeat: HeartbeatOptions | undefined;
  signal: AbortSignal | undefined;
  putOptions: Omit<PutStreamWithHeartbeatOptions, 'heartbeat' | 'signal'>;
} {
  assertOptionsObject('options', options);
  const { heartbeat, signal, ...putOptions } = options ?? {};
  assertOptionsObject('heartbeat', heartbeat);
  assertChunked(putOptions);
  assertSignal(signal);
  assertMime(putOptions.mime);
  return { heartbeat, signal, putOptions };
}

/** What only OSS sends with a PutObject success; a proxy answering in its place sends neither. */
function confirmedByOss(result: OSS.PutObjectResult): boolean {
  const headers = (result.res?.headers ?? {}) as Record<string, unknown>;
  return Boolean(headers.etag || headers['x-oss-request-id']);
}

/**
 * `client.putStream` of `source` with a filler byte whenever the source is silent for half the server's
 * idle limit, so OSS does not end the connection during a silent build step. Sent chunked; a source
 * error rejects with the source's own error, and aborting `signal` cancels the request. The promise is marked
 * handled: code may start the upload, feed the source, and only then await it.
 */
export function putStreamWithHeartbeat(
  client: OSS,
  name: string,
  source: HeartbeatSource,
  options: PutStreamWithHeartbeatOptions = {},
): Promise<PutStreamWithHeartbeatResult> {
  return handled(runUpload(client, name, source, options));
}

async function runUpload(
  client: OSS,
  name: string,
  source: HeartbeatSource,
  options: PutStreamWithHeartbeatOptions,
): Promise<PutStreamWithHeartbeatResult> {
  assertClient(client, ['putStream']);
  assertObjectName(name);
  const { heartbeat, signal, putOptions } = resolvePutStreamWithHeartbeatOptions(options);
  if (source instanceof HeartbeatReadable && heartbeat !== undefined) {
    throw invalidType('heartbeat', 'heartbeat options must be set where the HeartbeatReadable source was created, got both');
  }
  // A HeartbeatReadable already sends fillers: wrapping it again would count them as data.
  const body =
    source instanceof HeartbeatReadable
      ? source
      : withHeartbeat(source, { idleLimitMs: IDLE_LIMITS.oss, ...(heartbeat && withoutUndefined(heartbeat)) });
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

  const watch = watchUpload(body);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      watch.stop();
      finish();
    };
    // Destroying the body reaches the request through ali-oss's and urllib's pumps (ali-oss #752). A body
    // that has ended is already on its way: the request goes on, and the server may store it.
    const onAbort = (): void => {
      const bodySent = body.readableEnded;
      settle(() => reject(new AbortError(signal?.reason, bodySent)));
      body.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // ali-oss writes its own headers into the object it is given: keep the caller's untouched. And it merges
    // options over its defaults: an undefined would replace one.
    const ossOptions = { ...withoutUndefined(putOptions), ...(putOptions.headers && { headers: { ...putOptions.headers } }) };
    client.putStream(name, body, ossOptions as OSS.PutStreamOptions).then(
      (result) => {
        const { heartbeats, dataBytes } = body;
        const stored = result as OSS.PutObjectResult;
        if (confirmedByOss(stored)) {
          settle(() => resolve({ ...stored, heartbeats, dataBytes }));
          return;
        }
        settle(() => reject(new UnconfirmedSuccessError(stored.res.status)));
        // The request is over, though the body may not be: no heartbeat must go on into nothing.
        body.destroy();
      },
      (error: Error) => {
        if (sourceError) markSourceError(sourceError);
        // ali-oss destroys the body itself after a network failure; only its "premature close" means the body went first.
        const cancellation =
          cancelled && /^premature close\b/.test(String(error?.message))
            ? new AbortError(new Error('the upload body was destroyed before it ended'))
            : undefined;
        if (!sourceError && !cancellation) attachUploadContext(error, watch.contextNow());
        settle(() => reject(sourceError ?? cancellation ?? error));
      },
    );
  });
}
