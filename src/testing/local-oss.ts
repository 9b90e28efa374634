import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type OSS from 'ali-oss';
import { crc64 } from 'crc64-ecma182.js';
import { BUCKET_NAME_RULE, isBucketName } from '../oss/names.js';
import { IDLE_LIMITS, assertCredential, assertOptionsObject, assertPositiveMs, describeValue } from '../options.js';

export interface LocalOssOptions {
  /** Silence in ms inside a request body after which the connection is ended with a FIN. Default 60_000, like OSS. */
  idleLimitMs?: number;
  /** Generated when absent. */
  bucket?: string;
  /** Generated when absent. */
  accessKeyId?: string;
  /** Generated when absent. */
  accessKeySecret?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The largest object AppendObject may build, in bytes. Default 5 GiB, as OSS. */
  maxObjectBytes?: number;
}

export interface LocalOssStats {
  /** Successful PutObject requests. */
  stored: number;
  /** Successful AppendObject requests. */
  appends: number;
  /** Requests whose body went silent for idleLimitMs, so the server ended the connection. */
  idleClosed: number;
  /** Requests whose connection closed before their body completed. */
  aborted: number;
  /** The longest silence in ms between request headers and body chunks, over all requests. */
  maxBodyGapMs: number;
}

export interface LocalOss {
  /** e.g. 'http://127.0.0.1:34567' */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Options for `new OSS(...)` that reach this server. */
  clientOptions(): OSS.Options;
  /** A copy of the stored object's body, or undefined. */
  getObject(key: string): Buffer | undefined;
  stats(): LocalOssStats;
  /** Stops listening, destroys open connections and clears timers. */
  close(): Promise<void>;
}

interface StoredObject {
  /** Kept as received: an append adds a chunk instead of copying the whole object. */
  chunks: Buffer[];
  size: number;
  type: 'Normal' | 'Appendable';
  /** CRC-64/ECMA-182 of the whole object as a decimal string, as OSS sends it. */
  crc64: string;
  etag: string;
  contentType: string;
  lastModified: string;
  meta: Record<string, string>;
}

type Config = Required<LocalOssOptions>;

/**
 * Starts an OSS-compatible server for tests: PutObject (chunked or sized), GetObject, HeadObject and
 * DeleteObject with V1 header signatures, and OSS's idle rule: a connection whose request body stays
 * silent for `idleLimitMs` is ended with a FIN and the partial body dropped.
 */
export async function startLocalOss(options?: LocalOssOptions): Promise<LocalOss> {
  const config = resolveOptions(options);
  const objects = new Map<string, StoredObject>();
  const counters: LocalOssStats = { stored: 0, appends: 0, idleClosed: 0, aborted: 0, maxBodyGapMs: 0 };
  const sockets = new Set<Socket>();

  // requestTimeout 0: long uploads kept alive by heartbeats must not hit Node's 5-minute limit.
  // keepAliveTimeout 0: clients' agents close idle sockets themselves (ali-oss's after 15 s); a
  // shorter server limit would race them and fail a reused socket with ECONNRESET.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => {
    let lastBodyEventAt = performance.now();
    let idleClosed = false;
    const chunks: Buffer[] = [];
    const idleTimer = setTimeout(() => {
      idleClosed = true;
      counters.idleClosed += 1;
      // A FIN, not a reset, as OSS sends; the partial body is dropped.
      req.socket.end();
    }, config.idleLimitMs);

    req.on('data', (chunk: Buffer) => {
      // A client may keep writing into a connection it has not yet seen ended.
      if (idleClosed) return;
      const now = performance.now();
      counters.maxBodyGapMs = Math.max(counters.maxBodyGapMs, now - lastBodyEventAt);
      lastBodyEventAt = now;
      chunks.push(chunk);
      idleTimer.refresh();
    });
    req.on('end', () => {
      clearTimeout(idleTimer);
      if (!idleClosed) respond(req, res, Buffer.concat(chunks));
    });
    // Also runs when close() destroys the socket, so no idle timer outlives the server.
    req.on('close', () => {
      clearTimeout(idleTimer);
      if (!req.complete && !idleClosed) counters.aborted += 1;
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostId = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const endpoint = `http://${hostId}`;

  function respond(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const fail = (status: number, code: string, message: string, headers?: Record<string, string>): void =>
      sendError(req, res, { status, code, message, requestId, hostId }, headers);

    if (bucketFromHost(req.headers.host, config.bucket) !== config.bucket) {
      return fail(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    }
    // Checked before the signature: OSS signs only the sub-resources it knows, so a signature
    // check of an unsupported request would fail with a misleading SignatureDoesNotMatch.
    const url = new URL(req.url ?? '/', 'http://local');
    const subresources = [...url.searchParams.keys()];
    const isAppend = req.method === 'POST' && url.searchParams.has('append');
    const allowed = isAppend ? ['append', 'position'] : [];
    if (url.pathname === '/' || (req.method === 'POST' && !isAppend) || subresources.some((name) => !allowed.includes(name))) {
      return fail(501, 'NotImplemented', 'Local OSS supports only PutObject, AppendObject, GetObject, HeadObject and DeleteObject.');
    }
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(1));
    } catch {
      return fail(400, 'InvalidURI', 'Could not parse the specified URI.');
    }

    const authorization = req.headers.authorization;
    if (authorization === undefined) {
      return fail(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
    }
    const credentials = /^OSS (.+):([^:]+)$/.exec(authorization);
    if (!credentials) {
      return fail(400, 'InvalidArgument', 'Authorization header is invalid; only OSS V1 signatures are supported.');
    }
    if (!safeEqual(credentials[1]!, config.accessKeyId)) {
      return fail(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
    }
    const expected = createHmac('sha1', config.accessKeySecret)
      .update(stringToSign(req, canonicalResource(`/${config.bucket}/${key}`, url.searchParams)), 'utf8')
      .digest('base64');
    if (!safeEqual(credentials[2]!, expected)) {
      return fail(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    }

    const md5 = createHash('md5').update(body).digest();
    const contentMd5 = req.headers['content-md5'];
    if ((req.method === 'PUT' || isAppend) && contentMd5 !== undefined && contentMd5 !== md5.toString('base64')) {
      return fail(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
    }

    switch (req.method) {
      case 'PUT': {
        // A PutObject replaces whatever was there, an appendable object included, with a Normal one.
        const object: StoredObject = {
          chunks: [body],
          size: body.length,
          type: 'Normal',
          crc64: crc64(body),
          etag: quotedHex(md5),
          contentType: req.headers['content-type'] ?? 'application/octet-stream',
          lastModified: new Date().toUTCString(),
          meta: userMetadata(req),
        };
        objects.set(key, object);
        counters.stored += 1;
        res.writeHead(200, { ...checksumHeaders(object), 'x-oss-request-id': requestId, 'Content-Length': 0 }).end();
        return;
      }
      case 'POST': {
        const position = Number(url.searchParams.get('position') ?? '');
        if (!/^\d+$/.test(url.searchParams.get('position') ?? '') || !Number.isSafeInteger(position)) {
          return fail(400, 'MissingArgument', 'Missing Some Required Arguments.');
        }
        const existing = objects.get(key);
        if (existing?.type === 'Normal') {
          return fail(409, 'ObjectNotAppendable', 'The object is not appendable');
        }
        const length = existing?.size ?? 0;
        if (position !== length) {
          return fail(409, 'PositionNotEqualToLength', 'Position is not equal to file length', {
            'x-oss-next-append-position': String(length),
          });
        }
        if (length + body.length > config.maxObjectBytes) {
          return fail(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
        }
        // Metadata and Content-Type come from the append that creates the object, as on OSS.
        const object: StoredObject = existing ?? {
          chunks: [],
          size: 0,
          type: 'Appendable',
          crc64: '0',
          etag: '',
          contentType: req.headers['content-type'] ?? 'application/octet-stream',
          lastModified: '',
          meta: userMetadata(req),
        };
        object.chunks.push(body);
        object.size += body.length;
        object.crc64 = crc64(body, object.crc64);
        // OSS promises no MD5 in an appendable object's ETag; this one only changes with the content.
        object.etag = quotedHex(createHash('md5').update(`${object.size}:${object.crc64}`).digest());
        object.lastModified = new Date().toUTCString();
        objects.set(key, object);
        counters.appends += 1;
        res.writeHead(200, { ...checksumHeaders(object), 'x-oss-request-id': requestId, 'Content-Length': 0 }).end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key);
        if (!object) return fail(404, 'NoSuchKey', 'The specified key does not exist.');
        res.writeHead(200, {
          ...object.meta,
          ...checksumHeaders(object),
          'x-oss-object-type': object.type,
          'Content-Type': object.contentType,
          'Content-Length': object.size,
          'Last-Modified': object.lastModified,
          'x-oss-request-id': requestId,
        });
        if (req.method === 'GET') for (const chunk of object.chunks) res.write(chunk);
        res.end();
        return;
      }
      case 'DELETE':
        objects.delete(key);
        res.writeHead(204, { 'x-oss-request-id': requestId }).end();
        return;
      default:
        return fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    bucket: config.bucket,
    accessKeyId: config.accessKeyId,
    accessKeySecret: config.accessKeySecret,
    clientOptions: () => ({
      endpoint,
      cname: true,
      bucket: config.bucket,
      accessKeyId: config.accessKeyId,
      accessKeySecret: config.accessKeySecret,
      region: 'oss-cn-hangzhou',
      secure: false,
    }),
    getObject: (key) => {
      const object = objects.get(key);
      return object && Buffer.concat(object.chunks, object.size);
    },
    stats: () => ({ ...counters }),
    close: () => {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function resolveOptions(options: LocalOssOptions | undefined): Config {
  assertOptionsObject('options', options);
  const {
    idleLimitMs = IDLE_LIMITS.oss,
    bucket = `local-oss-${randomBytes(4).toString('hex')}`,
    accessKeyId = `LTAI${randomBytes(10).toString('hex')}`,
    accessKeySecret = randomBytes(24).toString('base64url'),
    host = '127.0.0.1',
    port = 0,
    maxObjectBytes = OSS_MAX_OBJECT_BYTES,
  } = options ?? {};
  assertPositiveMs('idleLimitMs', idleLimitMs);
  if (typeof bucket !== 'string') {
    throw new TypeError(`bucket must be a string, got ${describeValue(bucket)}`);
  }
  if (!isBucketName(bucket)) {
    throw new RangeError(`bucket must be ${BUCKET_NAME_RULE}, got ${describeValue(bucket)}`);
  }
  assertCredential('accessKeyId', accessKeyId);
  assertCredential('accessKeySecret', accessKeySecret);
  if (typeof host !== 'string') {
    throw new TypeError(`host must be a non-empty string, got ${describeValue(host)}`);
  }
  if (host === '') {
    throw new RangeError('host must be a non-empty string, got ""');
  }
  if (typeof port !== 'number') {
    throw new TypeError(`port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${describeValue(port)}`);
  }
  if (typeof maxObjectBytes !== 'number') {
    throw new TypeError(`maxObjectBytes must be a positive integer, got ${describeValue(maxObjectBytes)}`);
  }
  if (!Number.isSafeInteger(maxObjectBytes) || maxObjectBytes <= 0) {
    throw new RangeError(`maxObjectBytes must be a positive integer, got ${describeValue(maxObjectBytes)}`);
  }
  return { idleLimitMs, bucket, accessKeyId, accessKeySecret, host, port, maxObjectBytes };
}

/**
 * ali-oss addresses an IP endpoint with Host "<bucket>.oss-<region>.aliyuncs.com". Any other Host
 * (localhost, a custom domain) is bound to this server's one bucket, as an OSS CNAME is.
 */
function bucketFromHost(host: string | undefined, ownBucket: string): string {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith('.aliyuncs.com') ? hostname.slice(0, hostname.indexOf('.')) : ownBucket;
}

/** OSS's 5 GB object limit (AppendObject, PutObject). */
const OSS_MAX_OBJECT_BYTES = 5 * 1024 ** 3;

/** `/bucket/key` then the sub-resources sorted, `name` or `name=value`, as ali-oss's signUtils builds it. */
function canonicalResource(path: string, query: URLSearchParams): string {
  const names = [...query.keys()].sort();
  if (names.length === 0) return path;
  return `${path}?${names.map((name) => (query.get(name) ? `${name}=${query.get(name)}` : name)).join('&')}`;
}

/** The V1 string to sign, built as ali-oss's signUtils.buildCanonicalString builds it. */
function stringToSign(req: IncomingMessage, resource: string): string {
  const { headers } = req;
  const ossHeaders = Object.keys(headers)
    .filter((name) => name.startsWith('x-oss-'))
    .sort()
    .map((name) => `${name}:${String(headers[name]).trim()}`);
  return [
    req.method ?? '',
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers['x-oss-date'] ?? headers.date ?? '',
    ...ossHeaders,
    resource,
  ].join('\n');
}

/** ETag and CRC-64, sent on every successful write, GET and HEAD; appendable objects add their length. */
function checksumHeaders(object: StoredObject): Record<string, string> {
  return {
    ETag: object.etag,
    'x-oss-hash-crc64ecma': object.crc64,
    ...(object.type === 'Appendable' && { 'x-oss-next-append-position': String(object.size) }),
  };
}

const quotedHex = (digest: Buffer): string => `"${digest.toString('hex').toUpperCase()}"`;

function userMetadata(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-oss-meta-') && typeof value === 'string') meta[name] = value;
  }
  return meta;
}

/** Compares fixed-length digests, so the time taken says nothing about where the strings differ. */
function safeEqual(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

interface OssError {
  status: number;
  code: string;
  message: string;
  requestId: string;
  hostId: string;
}

/** OSS's XML error body; for HEAD, which has no body, OSS sends it base64-encoded in x-oss-err. */
function sendError(req: IncomingMessage, res: ServerResponse, error: OssError, headers?: Record<string, string>): void {
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Error>',
    `  <Code>${error.code}</Code>`,
    `  <Message>${error.message}</Message>`,
    `  <RequestId>${error.requestId}</RequestId>`,
    `  <HostId>${error.hostId}</HostId>`,
    '</Error>',
  ].join('\n');
  const isHead = req.method === 'HEAD';
  res.writeHead(error.status, {
    'Content-Type': 'application/xml',
    'Content-Length': isHead ? 0 : Buffer.byteLength(xml),
    'x-oss-request-id': error.requestId,
    ...headers,
    ...(isHead && { 'x-oss-err': Buffer.from(xml).toString('base64') }),
  });
  res.end(isHead ? undefined : xml);
}
