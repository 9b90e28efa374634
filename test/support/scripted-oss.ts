// A proxy in front of the local OSS that lies on a script: answers OSS did not give, stale 409s, garbled numbers.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, endToEndHeaders, forwardRequest, listenOnLoopback, relayAnswer } from './forward.js';
import { errorXml } from '../../src/testing/local-oss/errors.js';

/** What a request asks OSS for, from its method and query: AppendObject is `POST ?append`. */
export type Operation = 'append' | 'head' | 'get' | 'put' | 'other';

export function operationOf(method: string | undefined, query: URLSearchParams): Operation {
  switch (method) {
    case 'POST':
      return query.has('append') ? 'append' : 'other';
    case 'HEAD':
      return 'head';
    case 'GET':
      return 'get';
    case 'PUT':
      return 'put';
    default:
      return 'other';
  }
}

/** The headers `garbage-numbers` can spoil. Content-Length only on a HEAD's answer: a body's framing must hold. */
export type GarbledHeader = 'x-oss-next-append-position' | 'content-length' | 'x-oss-hash-crc64ecma';

/**
 * What the harness answers in OSS's place.
 * - `bare-200`: 200, no body, no x-oss-* header (Caddy's read_body; Caddy for a Host that matches no site).
 * - `html-200`: 200 text/html, a captive portal's page (a wrong endpoint).
 * - `html-404`, `html-502`: an HTML error page, without x-oss-request-id.
 * - `black-hole`: the request is read and never answered; the socket stays open until the client or `close()` ends it.
 *
 * `applied: true`: the request goes to OSS first (so an append lands) and OSS's answer is dropped for the lie;
 * false (the default): OSS never sees the request.
 */
export interface AnswerInstead {
  kind: 'bare-200' | 'html-200' | 'html-404' | 'html-502' | 'black-hole';
  applied?: boolean;
}

/**
 * A 409 PositionNotEqualToLength shaped like OSS's, replayed from the past: it carries an old
 * x-oss-next-append-position (by default the largest length OSS reported through this harness below the last one
 * it reported, else 0) and an earlier answer's request id (by default the last one OSS sent through this harness).
 * Not forwarded.
 */
export interface Stale409 {
  kind: 'stale-409';
  position?: number;
  requestId?: string;
}

/** OSS's own RequestTimeout (400, with a fresh x-oss-request-id): the body came too slowly; nothing was applied. Not forwarded. */
export interface RequestTimeout400 {
  kind: 'request-timeout-400';
}

/**
 * Forwarded to OSS, whose answer comes back with `headers` replaced (set whether OSS sent them or not); the rest
 * of its answer as it was. Default: x-oss-next-append-position 'abc' and x-oss-hash-crc64ecma '12x'. Note that
 * Node's HTTP parser refuses a non-numeric Content-Length (HPE_INVALID_CONTENT_LENGTH): a client sees that as
 * a network error, not as a number to read.
 */
export interface GarbageNumbers {
  kind: 'garbage-numbers';
  headers?: Partial<Record<GarbledHeader, string>>;
}

export type Lie = AnswerInstead | Stale409 | RequestTimeout400 | GarbageNumbers;
export type LieKind = Lie['kind'];

/** Which of the requests a rule matches it lies to, counted from 1 since the rule was added. */
export type Nth = number | 'every' | { from: number };

export interface LieRule {
  operation: Operation | 'any' | readonly Operation[];
  /** Default 1: the first matching request. */
  nth?: Nth;
  /** Only requests for this object key. Default: any. */
  key?: string;
  lie: Lie;
}

/** One request as the harness saw and answered it. */
export interface RecordedRequest {
  /** 1 for the first request the harness received. */
  seq: number;
  operation: Operation;
  method: string;
  /** The object key (the URL's path, decoded, without its leading slash). */
  key: string;
  query: Record<string, string>;
  /** The lie told, or undefined: forwarded and relayed unchanged. */
  lie: LieKind | undefined;
  /** Whether the request was sent to OSS. */
  forwarded: boolean;
  /** OSS's own answer, when it was forwarded and OSS answered. */
  upstream?: { status: number; headers: IncomingHttpHeaders };
  /** What the client was answered; undefined while it waits, for a black hole, or when the exchange failed. */
  answer?: { status: number; headers: OutgoingHttpHeaders };
  /**
   * 'receiving': the body is being read or OSS's answer awaited; 'answered'; 'hanging': a black hole has read the
   * whole request (and OSS answered, if applied) and will never answer; 'failed': a connection ended first.
   */
  state: 'receiving' | 'answered' | 'hanging' | 'failed';
}

/** A rule added to the harness, and what it did. */
export interface ScriptedLie {
  readonly rule: LieRule;
  /** How many requests it lied to. */
  readonly told: number;
  /** Those requests. */
  readonly requests: readonly RecordedRequest[];
}

export interface ScriptedOss {
  /** e.g. 'http://127.0.0.1:34567': give it to ali-oss as the endpoint. */
  endpoint: string;
  /** Adds a rule. Rules are tried in the order added; the first that selects a request answers it. */
  lie(rule: LieRule): ScriptedLie;
  /** Every request so far, in arrival order; each record is updated as its exchange goes on. */
  readonly requests: readonly RecordedRequest[];
  /** The first request, received or to come, for which `predicate` holds (checked whenever a record changes). */
  waitFor(predicate: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /** Stops listening and destroys every socket, the clients' and those to OSS. Leaves no timer. */
  close(): Promise<void>;
}

const HTML = {
  'html-200': [
    200,
    '<!DOCTYPE html><html><head><title>Sign in to the network</title></head>' +
      '<body><h1>Welcome</h1><p>Accept the terms of use to continue.</p></body></html>',
  ],
  'html-404': [404, '<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr><center>nginx</center></body></html>'],
  'html-502': [502, '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>'],
} as const;

const DEFAULT_GARBAGE: Partial<Record<GarbledHeader, string>> = {
  'x-oss-next-append-position': 'abc',
  'x-oss-hash-crc64ecma': '12x',
};

/** A request id as OSS writes them: 24 upper-case hex digits. */
function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}

function selects(nth: Nth, count: number): boolean {
  if (nth === 'every') return true;
  if (typeof nth === 'number') return count === nth;
  return count >= nth.from;
}

function matchesOperation(wanted: LieRule['operation'], operation: Operation): boolean {
  if (wanted === 'any') return true;
  return typeof wanted === 'string' ? wanted === operation : wanted.includes(operation);
}

interface RuleState {
  rule: LieRule;
  seen: number;
  told: RecordedRequest[];
}

/**
 * A reverse proxy on 127.0.0.1 in front of `target` (a startLocalOss server, or its endpoint) that forwards every
 * request unchanged until a test scripts a lie for it. Every request is recorded.
 */
export async function startScriptedOss(target: string | { endpoint: string }): Promise<ScriptedOss> {
  const upstream = new URL(typeof target === 'string' ? target : target.endpoint);
  const hostId = upstream.host;
  // The harness's own agent, so close() can end every socket to OSS.
  const agent = new Agent({ keepAlive: true });
  const rules: RuleState[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const forwards = new Set<ClientRequest>();
  let waiters: { predicate: (request: RecordedRequest) => boolean; resolve: (request: RecordedRequest) => void }[] = [];

  const changed = (record: RecordedRequest): void => {
    const ready = waiters.filter((waiter) => waiter.predicate(record));
    if (ready.length === 0) return;
    waiters = waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve(record);
  };
  const setState = (record: RecordedRequest, state: RecordedRequest['state']): void => {
    record.state = state;
    changed(record);
  };

  /** What OSS itself said so far: its request ids and the lengths it reported, in order. */
  const ossSaid = (): { requestIds: string[]; positions: number[] } => {
    const said = requests.flatMap((request) => (request.upstream ? [request.upstream.headers] : []));
    const requestIds = said.flatMap((headers) => (typeof headers['x-oss-request-id'] === 'string' ? [headers['x-oss-request-id']] : []));
    const positions = said.flatMap((headers) => {
      const text = headers['x-oss-next-append-position'];
      return typeof text === 'string' && /^\d+$/.test(text) ? [Number(text)] : [];
    });
    return { requestIds, positions };
  };

  function ruleFor(record: RecordedRequest): RuleState | undefined {
    let chosen: RuleState | undefined;
    for (const state of rules) {
      const { operation, key, nth = 1 } = state.rule;
      if (!matchesOperation(operation, record.operation) || (key !== undefined && key !== record.key)) continue;
      state.seen += 1;
      if (chosen === undefined && selects(nth, state.seen)) chosen = state;
    }
    return chosen;
  }

  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://scripted');
    let key = url.pathname.slice(1);
    try {
      key = decodeURIComponent(key);
    } catch {
      // Kept as sent.
    }
    const record: RecordedRequest = {
      seq: requests.length + 1,
      operation: operationOf(req.method, url.searchParams),
      method: req.method ?? '',
      key,
      query: Object.fromEntries(url.searchParams),
      lie: undefined,
      forwarded: false,
      state: 'receiving',
    };
    requests.push(record);
    const chosen = ruleFor(record);
    if (chosen) {
      record.lie = chosen.rule.lie.kind;
      chosen.told.push(record);
    }
    changed(record);
    serve(req, res, record, chosen?.rule.lie);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  /** Sends `req` to OSS; `onAnswer` gets OSS's answer, recorded. A failed exchange ends the client's connection. */
  function forward(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, onAnswer: (answer: IncomingMessage) => void): void {
    record.forwarded = true;
    const sent = forwardRequest(
      upstream,
      req,
      (answer) => {
        record.upstream = { status: answer.statusCode ?? 0, headers: answer.headers };
        onAnswer(answer);
      },
      agent,
    );
    forwards.add(sent);
    sent.once('close', () => forwards.delete(sent));
    sent.on('error', () => {
      if (record.state === 'receiving') setState(record, 'failed');
      res.destroy();
    });
    // The client gave up before OSS answered: OSS's side ends too (a body cut short is not applied).
    res.once('close', () => {
      if (!res.writableFinished) sent.destroy();
    });
  }

  /** Reads the whole request, then calls `then`; a client that leaves first fails the exchange. */
  function drain(req: IncomingMessage, record: RecordedRequest, then: () => void): void {
    req.once('end', then);
    req.once('close', () => {
      if (!req.complete && record.state === 'receiving') setState(record, 'failed');
    });
    req.resume();
  }

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    headers: OutgoingHttpHeaders,
    body = '',
  ): void {
    if (res.destroyed) return;
    const all: OutgoingHttpHeaders = { 'content-length': req.method === 'HEAD' ? 0 : Buffer.byteLength(body), ...headers };
    record.answer = { status, headers: all };
    res.writeHead(status, all);
    res.end(req.method === 'HEAD' ? undefined : body);
    setState(record, 'answered');
  }

  /** An OSS error answer; for HEAD, which has no body, the XML goes base64-encoded in x-oss-err, as OSS does. */
  function ossError(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    code: string,
    message: string,
    requestId: string,
    extra: OutgoingHttpHeaders = {},
  ): void {
    const xml = errorXml(code, message, requestId, hostId);
    const isHead = req.method === 'HEAD';
    answer(
      req,
      res,
      record,
      status,
      {
        'content-type': 'application/xml',
        'x-oss-request-id': requestId,
        ...extra,
        ...(isHead && { 'x-oss-err': Buffer.from(xml).toString('base64') }),
      },
      xml,
    );
  }

  function serve(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, lie: Lie | undefined): void {
    if (lie === undefined) {
      return forward(req, res, record, (reply) => {
        const headers = endToEndHeaders(reply);
        record.answer = { status: reply.statusCode ?? 502, headers };
        relayAnswer(reply, res, headers);
        setState(record, 'answered');
      });
    }
    switch (lie.kind) {
      case 'bare-200':
      case 'html-200':
      case 'html-404':
      case 'html-502':
      case 'black-hole': {
        const tell = (): void => {
          if (lie.kind === 'black-hole') return setState(record, 'hanging');
          if (lie.kind === 'bare-200') return answer(req, res, record, 200, {});
          const [status, page] = HTML[lie.kind];
          answer(req, res, record, status, { 'content-type': 'text/html; charset=utf-8' }, page);
        };
        if (!lie.applied) return drain(req, record, tell);
        return forward(req, res, record, (reply) => {
          // OSS's answer is read and dropped.
          reply.resume();
          reply.once('end', tell);
        });
      }
      case 'stale-409':
        return drain(req, record, () => {
          const { requestIds, positions } = ossSaid();
          const latest = positions.at(-1) ?? 0;
          const old = lie.position ?? Math.max(0, ...positions.filter((position) => position < latest));
          const requestId = lie.requestId ?? requestIds.at(-1) ?? newRequestId();
          ossError(req, res, record, 409, 'PositionNotEqualToLength', 'Position is not equal to file length', requestId, {
            'x-oss-next-append-position': String(old),
          });
        });
      case 'request-timeout-400':
        return drain(req, record, () =>
          ossError(
            req,
            res,
            record,
            400,
            'RequestTimeout',
            'Your socket connection to the server was not read from or written to within the timeout period.',
            newRequestId(),
          ),
        );
      case 'garbage-numbers':
        return forward(req, res, record, (reply) => {
          const headers = endToEndHeaders(reply);
          for (const [name, value] of Object.entries(lie.headers ?? DEFAULT_GARBAGE)) {
            if (name === 'content-length' && req.method !== 'HEAD') continue;
            headers[name] = value;
          }
          record.answer = { status: reply.statusCode ?? 502, headers };
          relayAnswer(reply, res, headers);
          setState(record, 'answered');
        });
    }
  }

  const endpoint = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    requests,
    lie(rule) {
      const state: RuleState = { rule, seen: 0, told: [] };
      rules.push(state);
      return {
        rule,
        get told() {
          return state.told.length;
        },
        get requests() {
          return state.told;
        },
      };
    },
    waitFor(predicate) {
      const found = requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close() {
      closing ??= (async () => {
        const closed = closeServer(server);
        for (const socket of sockets) socket.destroy();
        for (const sent of forwards) sent.destroy();
        agent.destroy();
        await closed;
      })();
      return closing;
    },
  };
}
