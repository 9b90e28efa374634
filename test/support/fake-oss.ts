// An in-memory fake ali-oss client for appendStream and followLog on fake timers, with faults scripted per request.
import { createHash } from 'node:crypto';
import type OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';

/**
 * What can happen to one request. 'reset-before-apply': the connection drops before OSS applies it;
 * 'reset-after-apply': OSS applies it, then the connection drops; 'drop-response': OSS applies it and the
 * answer never comes (the client's timeout ends the wait); 500/503: OSS answers so without applying it;
 * 'applied-then-500': OSS applies it and still answers 500. 'damaged-in-transit': one byte of an append's body
 * arrives changed; OSS refuses it (400 InvalidDigest) when it came with a Content-MD5, and stores it otherwise.
 * Answers that OSS did not send (a proxy, a captive page): 'bare-200' and 'html-200' without applying it,
 * 'applied-bare-200' after OSS applied it and its answer was lost; 'garbage-numbers': OSS's answer with its
 * lengths and CRC-64 replaced by non-numbers; 'html-404': a 404 page; 'stale-409': a PositionNotEqualToLength
 * that no request of this call caused. 'request-timeout': OSS's 400 RequestTimeout for a body that came too
 * slowly, not applied. 'hang': no answer until the request's timeout, not applied.
 */
export type Fault =
  | 'reset-before-apply'
  | 'reset-after-apply'
  | 'drop-response'
  | 500
  | 503
  | 'applied-then-500'
  | 'damaged-in-transit'
  | 'bare-200'
  | 'applied-bare-200'
  | 'html-200'
  | 'garbage-numbers'
  | 'html-404'
  | 'stale-409'
  | 'request-timeout'
  | 'hang';

export interface FakeObject {
  type: 'Appendable' | 'Normal';
  body: Buffer;
  crc64: string;
  /** Object tags: they live and die with the object. */
  tags: Record<string, string>;
}

/** 'get-tagging' and 'put-tagging': GetObjectTagging and PutObjectTagging. */
export type FakeMethod = 'append' | 'head' | 'get' | 'get-tagging' | 'put-tagging';

export interface FakeRequest {
  method: FakeMethod;
  at: number;
  position?: number;
  bytes?: number;
  /** The fault it met, if any. */
  fault?: Fault | 'offline';
  /** The Content-MD5 header sent with it. */
  md5?: string;
  /** ali-oss's `mime` and the headers besides Content-MD5, as an append was given them. */
  mime?: string;
  headers?: Record<string, string>;
}

export interface FakeOssOptions {
  /** How long each request takes, in ms. Default 10. */
  latencyMs?: number;
  /** Stores a different byte than it applied the MD5 check to (the first of each append): a mis-applied append. */
  corrupt?: boolean;
  /** Refuses the tagging requests with AccessDenied: a RAM policy without the permission. */
  denyTagging?: boolean;
  /** GET answers 200 with the whole object whatever its Range: a cache or proxy that drops Range. */
  ignoreRange?: boolean;
}

/** CRC-64 in slices: crc64-ecma182.js has a fixed 16 MiB heap. */
function crcOf(bytes: Buffer, previous = '0'): string {
  let crc = previous;
  for (let offset = 0; offset < bytes.length; offset += 2 ** 20) crc = crc64(bytes.subarray(offset, offset + 2 ** 20), crc);
  return crc;
}

/** `bytes` with the first byte changed. */
const damaged = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([bytes[0]! ^ 0xff]), bytes.subarray(1)]);

/** An error shaped as ali-oss 6.23 raises it. */
function aliOssError(message: string, fields: { name: string; status?: number; code?: string; requestId?: string }): Error {
  return Object.assign(new Error(message), fields);
}

let requests = 0;
/** OSS's x-oss-request-id: on every answer it sends, and only on those. */
const requestId = (): string => `FAKE${String((requests += 1)).padStart(20, '0')}`;

const networkError = (system: 'ECONNRESET' | 'ECONNREFUSED'): Error =>
  aliOssError(`${system === 'ECONNRESET' ? 'read ECONNRESET' : 'connect ECONNREFUSED 127.0.0.1:9'}, POST http://127.0.0.1:9/x`, {
    name: system === 'ECONNRESET' ? 'ResponseError' : 'RequestError',
    status: -1,
    code: system === 'ECONNRESET' ? 'ResponseError' : 'RequestError',
  });

/** OSS's own error answer. */
const statusError = (status: number, code: string): Error =>
  aliOssError(`${code} (fake)`, { name: `${code}Error`, status, code, requestId: requestId() });

/** What ali-oss makes of an HTML page with an error status: no code, no request id. */
const htmlError = (status: number): Error =>
  aliOssError(`unknow request error, status: ${status}`, { name: 'UnknownError', status });

/** A 2xx answer as ali-oss resolves with it. */
const answer = (headers: Record<string, string>) => ({ status: 200, headers, size: 0, rt: 0 });

/** OSS's own 200: `headers` and a request id. */
export const ossAnswer = (headers: Record<string, string>): ReturnType<typeof answer> =>
  answer({ ...headers, 'x-oss-request-id': requestId() });

/** What a proxy answering 200 in OSS's place sends. */
const notFromOss = (fault: Fault | undefined): Record<string, string> | undefined =>
  fault === 'bare-200' || fault === 'applied-bare-200'
    ? { 'content-length': '0' }
    : fault === 'html-200'
      ? { 'content-type': 'text/html', 'content-length': '13' }
      : undefined;

/** OSS's answer with its numbers made garbage. */
const garbled = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) =>
      [name, /position|length|crc64/.test(name) ? `${value}x` : value] as const,
    ),
  );

/**
 * An in-memory stand-in for an ali-oss client with `append` and `head` as OSS answers them, for unit tests
 * on fake timers: each request takes `latencyMs` of the (fake) clock, and faults can be queued per method.
 */
export function fakeOss(options: FakeOssOptions = {}): {
  client: OSS;
  objects: Map<string, FakeObject>;
  requests: FakeRequest[];
  /** The next requests of `method` meet these faults, in order. */
  failNext(method: FakeMethod, ...faults: Fault[]): void;
  /** Every request fails to connect until `ms` from now. */
  offlineFor(ms: number): void;
  /** Another writer appends `bytes` (creating the object if needed). */
  write(name: string, bytes: Buffer | string): void;
  /** Stores `name` as a Normal object, as PutObject would. */
  put(name: string, bytes: Buffer | string): void;
  body(name: string): Buffer | undefined;
} {
  const { latencyMs = 10, corrupt = false, denyTagging = false, ignoreRange = false } = options;
  const objects = new Map<string, FakeObject>();
  const requests: FakeRequest[] = [];
  const queued: Record<FakeMethod, Fault[]> = { append: [], head: [], get: [], 'get-tagging': [], 'put-tagging': [] };
  let offlineUntil = -Infinity;

  // No timer for no latency: a request then settles within the tick it was made in.
  const elapse = (ms: number): Promise<void> =>
    ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));

  function applyAppend(name: string, stored: Buffer): FakeObject {
    const object = objects.get(name) ?? { type: 'Appendable', body: Buffer.alloc(0), crc64: '0', tags: {} };
    object.body = Buffer.concat([object.body, stored]);
    object.crc64 = crcOf(stored, object.crc64);
    objects.set(name, object);
    return object;
  }

  /** Runs one request: latency, then its fault or `apply`. */
  async function request<T>(entry: FakeRequest, timeoutMs: number | undefined, apply: () => T): Promise<T> {
    requests.push(entry);
    if (Date.now() < offlineUntil) {
      entry.fault = 'offline';
      await elapse(latencyMs);
      throw networkError('ECONNREFUSED');
    }
    const fault = queued[entry.method].shift();
    entry.fault = fault;
    await elapse(latencyMs);
    if (fault === 'reset-before-apply') throw networkError('ECONNRESET');
    if (fault === 500 || fault === 503) throw statusError(fault, fault === 500 ? 'InternalError' : 'ServiceUnavailable');
    if (fault === 'request-timeout') throw statusError(400, 'RequestTimeout');
    if (fault === 'html-404') throw htmlError(404);
    if (fault === 'stale-409') throw statusError(409, 'PositionNotEqualToLength');
    if (fault === 'hang') {
      const ms = timeoutMs ?? 60_000;
      await elapse(ms);
      throw aliOssError(`Response timeout for ${ms}ms, POST http://127.0.0.1:9/x`, { name: 'ResponseTimeoutError' });
    }
    const lie = notFromOss(fault);
    if (lie && fault !== 'applied-bare-200') return { res: answer(lie), status: 200 } as T;
    const result = apply();
    if (lie) return { res: answer(lie), status: 200 } as T;
    if (fault === 'reset-after-apply') throw networkError('ECONNRESET');
    if (fault === 'applied-then-500') throw statusError(500, 'InternalError');
    if (fault === 'drop-response') {
      const ms = timeoutMs ?? 60_000;
      await elapse(ms);
      throw aliOssError(`Response timeout for ${ms}ms, POST http://127.0.0.1:9/x`, { name: 'ResponseTimeoutError' });
    }
    return result;
  }

  const client = {
    async append(
      name: string,
      bytes: Buffer,
      { position, timeout, mime, headers }: { position: string; timeout?: number; mime?: string; headers?: Record<string, string> },
    ) {
      const { 'Content-MD5': md5, ...others } = headers ?? {};
      const entry: FakeRequest = {
        method: 'append',
        at: Date.now(),
        position: Number(position),
        bytes: bytes.length,
        md5,
        ...(mime !== undefined && { mime }),
        ...(Object.keys(others).length > 0 && { headers: others }),
      };
      return request(entry, timeout, () => {
        const arrived = entry.fault === 'damaged-in-transit' ? damaged(bytes) : bytes;
        if (md5 !== undefined && md5 !== createHash('md5').update(arrived).digest('base64')) throw statusError(400, 'InvalidDigest');
        const object = objects.get(name);
        if (object?.type === 'Normal') throw statusError(409, 'ObjectNotAppendable');
        if ((object?.body.length ?? 0) !== Number(position)) throw statusError(409, 'PositionNotEqualToLength');
        const stored = applyAppend(name, corrupt ? damaged(arrived) : arrived);
        const headers = {
          'x-oss-next-append-position': String(stored.body.length),
          'x-oss-hash-crc64ecma': stored.crc64,
          'x-oss-request-id': requestId(),
        };
        const sent = entry.fault === 'garbage-numbers' ? garbled(headers) : headers;
        return { name, url: '', res: answer(sent), nextAppendPosition: sent['x-oss-next-append-position'] };
      });
    },
    async head(name: string, { timeout }: { timeout?: number } = {}) {
      const entry: FakeRequest = { method: 'head', at: Date.now() };
      return request(entry, timeout, () => {
        const requestFault = entry.fault;
        const object = objects.get(name);
        if (!object) {
          throw aliOssError('Object not exists', { name: 'NoSuchKeyError', status: 404, code: 'NoSuchKey', requestId: requestId() });
        }
        const headers: Record<string, string> = {
          'content-length': String(object.body.length),
          'x-oss-object-type': object.type,
          'x-oss-hash-crc64ecma': object.crc64,
          'x-oss-request-id': requestId(),
          ...(object.type === 'Appendable' && { 'x-oss-next-append-position': String(object.body.length) }),
        };
        return { status: 200, meta: null, res: answer(requestFault === 'garbage-numbers' ? garbled(headers) : headers) };
      });
    },
  };

  /** The object `name`, or OSS's 404; tagging refused when `denyTagging`. */
  const taggable = (name: string): FakeObject => {
    if (denyTagging) throw statusError(403, 'AccessDenied');
    const object = objects.get(name);
    if (!object) throw statusError(404, 'NoSuchKey');
    return object;
  };
  Object.assign(client, {
    /** GetObject as OSS answers it: with `x-oss-range-behavior: standard`, 206 clipped or 416; 200 without a Range. */
    async get(name: string, _file: undefined, { headers = {}, timeout }: { headers?: Record<string, string>; timeout?: number } = {}) {
      const entry: FakeRequest = { method: 'get', at: Date.now() };
      return request(entry, timeout, () => {
        const object = objects.get(name);
        if (!object) throw statusError(404, 'NoSuchKey');
        const size = object.body.length;
        const range = /^bytes=(\d+)-(\d*)$/.exec(headers.Range ?? '');
        const whole = { 'x-oss-object-type': object.type, 'x-oss-hash-crc64ecma': object.crc64 };
        if (ignoreRange || range === null) {
          entry.bytes = size;
          return { res: ossAnswer({ ...whole, 'content-length': String(size) }), content: Buffer.from(object.body) };
        }
        const first = Number(range[1]);
        if (first >= size) throw statusError(416, 'InvalidRange');
        const last = Math.min(size - 1, range[2] === '' ? size - 1 : Number(range[2]));
        const content = Buffer.from(object.body.subarray(first, last + 1));
        entry.bytes = content.length;
        const res = { ...ossAnswer({ ...whole, 'content-range': `bytes ${first}-${last}/${size}` }), status: 206 };
        return { res, content };
      });
    },
    async getObjectTagging(name: string, { timeout }: { timeout?: number } = {}) {
      return request({ method: 'get-tagging', at: Date.now() }, timeout, () => ({
        status: 200,
        res: ossAnswer({}),
        tag: { ...taggable(name).tags },
      }));
    },
    async putObjectTagging(name: string, tag: Record<string, string>, { timeout }: { timeout?: number } = {}) {
      return request({ method: 'put-tagging', at: Date.now() }, timeout, () => {
        taggable(name).tags = { ...tag };
        return { status: 200, res: ossAnswer({}) };
      });
    },
  });

  return {
    client: client as unknown as OSS,
    objects,
    requests,
    failNext: (method, ...faults) => void queued[method].push(...faults),
    offlineFor: (ms) => {
      offlineUntil = Date.now() + ms;
    },
    write: (name, bytes) => void applyAppend(name, Buffer.from(bytes)),
    put: (name, bytes) => {
      const body = Buffer.from(bytes);
      objects.set(name, { type: 'Normal', body, crc64: crcOf(body), tags: {} });
    },
    body: (name) => objects.get(name)?.body,
  };
}
