import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type OSS from 'ali-oss';
import { assertPositiveMs } from '../../internal/validation.js';
import { discardBody, readBody, type BodyCounters } from './body.js';
import type { ErrorReply } from './errors.js';
import { FAULT_KINDS, FaultPlan, type AppliedFault, type FaultKind, type FaultSpec } from './faults.js';
import { OPERATION_HANDLERS } from './handlers/index.js';
import { resolveLocalOssOptions, type LocalOssOptions } from './options.js';
import { sendReply, type Reply, type RequestIds } from './reply.js';
import { routeOf } from './route.js';
import { authenticate } from './signing.js';
import type { ObjectStore } from './store.js';

export interface LocalOssStats extends BodyCounters {
  /** Successful PutObject requests. */
  stored: number;
  /** Successful AppendObject requests. */
  appends: number;
  /** Objects held now. */
  objects: number;
  /** Injected faults that took effect, by kind; 'offline' counts goOffline calls. */
  faults: Record<FaultKind | 'offline', number>;
}

/** Failures to inject into the next requests, for tests of a client's recovery. */
export interface LocalOssFaults {
  /** Applies a fault to the next `count` (default 1) requests that match, after any injected before. */
  inject(spec: FaultSpec): void;
  /** Requests still to be hit by injected faults. */
  pending(): number;
  /** Drops every injected fault not yet applied. */
  clear(): void;
  /**
   * Closes every connection and refuses new ones (ECONNREFUSED) for `ms`, then listens again on the same
   * port. Settles when the server listens again, or at once when it is closed meanwhile.
   */
  goOffline(ms: number): Promise<void>;
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
  /** A copy of the stored object's tags, key to value, or undefined when there is no such object. */
  getTags(key: string): Record<string, string> | undefined;
  stats(): LocalOssStats;
  faults: LocalOssFaults;
  /** Stops listening, destroys open connections and clears timers. */
  close(): Promise<void>;
}

/**
 * Starts an OSS-compatible server for tests: PutObject, AppendObject, GetObject (ranged too), HeadObject,
 * DeleteObject and Put/Get/DeleteObjectTagging with V1 header signatures, and OSS's idle rule: a connection
 * whose request body stays silent for `idleLimitMs` is ended with a FIN and the partial body dropped.
 */
export async function startLocalOss(options?: LocalOssOptions): Promise<LocalOss> {
  const config = resolveLocalOssOptions(options);
  const objects: ObjectStore = new Map();
  const faultPlan = new FaultPlan();
  const counters: Omit<LocalOssStats, 'objects'> = {
    stored: 0,
    appends: 0,
    idleClosed: 0,
    aborted: 0,
    maxBodyGapMs: 0,
    bodyBytesBuffered: 0,
    bodyBytesDiscarded: 0,
    faults: Object.fromEntries([...FAULT_KINDS, 'offline'].map((kind) => [kind, 0])) as LocalOssStats['faults'],
  };

  // requestTimeout 0: long uploads kept alive by heartbeats must not hit Node's 5-minute limit.
  // keepAliveTimeout 0: clients' agents close idle sockets themselves (ali-oss's after 15 s); a
  // shorter server limit would race them and fail a reused socket with ECONNRESET.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => void serve(req, res));
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const hostId = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const endpoint = `http://${hostId}`;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ids: RequestIds = { requestId: randomBytes(12).toString('hex').toUpperCase(), hostId };
    const reply = (answer: Reply): void => sendReply(req, res, answer, ids);
    // Refused from the headers alone: answered at once, and the body, if any, is never kept.
    const refuse = (error: ErrorReply): void => {
      reply(error);
      discardBody(req, config, counters);
    };

    const route = routeOf(req, config.bucket);
    if ('error' in route) return refuse(route);
    const denied = authenticate(req.method!, req.headers, route, config);
    if (denied) return refuse(denied);
    // A PutObject body is the whole object, so OSS refuses one over its object limit from its Content-Length too.
    const bodyLimit = route.operation === 'PutObject' ? Math.min(config.maxBodyBytes, config.maxObjectBytes) : config.maxBodyBytes;
    if (Number(req.headers['content-length'] ?? 0) > bodyLimit) return refuse({ error: 'EntityTooLarge' });

    const body = await readBody(req, config, counters);
    if (body === 'closed') return;
    if (body === 'too-large') return reply({ error: 'EntityTooLarge' });

    const fault = faultPlan.take(route.operation, route.key);
    if (fault) counters.faults[fault.kind] += 1;
    if (fault?.kind === 'reset-before-apply') return resetConnection(req);
    if (fault?.kind === 'internal-error') return reply({ error: 'InternalError' });
    if (fault?.kind === 'service-unavailable') return reply({ error: 'ServiceUnavailable' });

    const answer = OPERATION_HANDLERS[route.operation]({ ...route, headers: req.headers, body, objects, maxObjectBytes: config.maxObjectBytes });
    if (!('error' in answer) && route.operation === 'PutObject') counters.stored += 1;
    if (!('error' in answer) && route.operation === 'AppendObject') counters.appends += 1;

    if (fault?.kind === 'reset-after-apply') return resetConnection(req);
    if (fault?.kind === 'no-response') return stayQuiet(req, fault);
    reply(answer);
  }

  let closed = false;
  const closedSignal = new AbortController();
  let offline: Promise<void> | undefined;

  async function goOffline(ms: number): Promise<void> {
    assertPositiveMs('ms', ms);
    if (offline) throw new Error('goOffline: the server is already offline');
    if (closed) return;
    counters.faults.offline += 1;
    offline = (async () => {
      await stopListening();
      try {
        await sleep(ms, undefined, { signal: closedSignal.signal });
      } catch {
        return; // closed meanwhile
      }
      server.listen(port, config.host);
      await once(server, 'listening');
    })().finally(() => {
      offline = undefined;
    });
    return offline;
  }

  async function stopListening(): Promise<void> {
    if (!server.listening) return;
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
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
    getTags: (key) => {
      const object = objects.get(key);
      return object && Object.fromEntries(object.tags);
    },
    stats: () => ({ ...counters, objects: objects.size, faults: { ...counters.faults } }),
    faults: {
      inject: (spec) => faultPlan.inject(spec),
      pending: () => faultPlan.pending(),
      clear: () => faultPlan.clear(),
      goOffline,
    },
    close: () => {
      closing ??= (async () => {
        closed = true;
        closedSignal.abort();
        // A restart already under way finishes first, so it cannot leave the port bound behind us.
        await offline?.catch(() => {});
        await stopListening();
      })();
      return closing;
    },
  };
}

/** A TCP reset (RST), as a dropped connection or a crashed server looks to the client. */
function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

/** A 'no-response' fault: the request was applied and no answer comes; the connection may be ended later. */
function stayQuiet(req: IncomingMessage, fault: AppliedFault): void {
  if (fault.closeAfterMs === undefined) return;
  const timer = setTimeout(() => req.socket.end(), fault.closeAfterMs);
  req.socket.once('close', () => clearTimeout(timer));
}
