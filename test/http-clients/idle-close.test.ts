import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import axios from 'axios';
import got from 'got';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { withHeartbeat } from '../../src/index.js';
import { explainUploadError } from '../../src/oss/index.js';
import { rejectionOf } from '../support/settlement.js';
import { startIdleClosingServer, type IdleClosingServer } from './idle-closing-server.js';

// Any HTTP client that streams a request body: through a server that ends a body silent for 1 s, a plain
// upload dies at the limit and the same upload through withHeartbeat is stored. Every upload has a path of
// its own, so they run side by side (five at a time: Vitest's maxConcurrency), as most of each is waiting.
// The margins hold on a loaded machine (at 300 ms they did not): heartbeats every 100 ms are in time for the
// limit even if their timer runs 850 ms late, and the silence lasts 600 ms past it.
const IDLE_LIMIT_MS = 1000;
const HEARTBEAT_AFTER_MS = 100;
const SILENCE_MS = 1600;
const LOG = 'step 1\nstep 2\n';

interface Client {
  name: string;
  /** PUTs `body` to `url`, resolving with the response text. */
  upload: (url: string, body: Readable) => Promise<string>;
  /** The error the client rejects with when the server ends the upload with a FIN. */
  idleCloseError: Record<string, unknown>;
}

async function httpRequestPut(url: string, body: Readable): Promise<string> {
  const req = request(url, { method: 'PUT' });
  // Together, so a failed upload's 'error' rejects both and neither goes unhandled.
  const [[response]] = (await Promise.all([once(req, 'response'), pipeline(body, req)])) as [[IncomingMessage], void];
  return text(response);
}

const clients: Client[] = [
  {
    name: "fetch, body Readable.toWeb(stream), duplex 'half'",
    upload: async (url, body) => (await fetch(url, { method: 'PUT', body: Readable.toWeb(body), duplex: 'half' })).text(),
    idleCloseError: { name: 'TypeError', message: 'fetch failed', cause: { code: 'UND_ERR_SOCKET' } },
  },
  {
    name: "fetch, body the stream as an async iterable, duplex 'half'",
    upload: async (url, body) => (await fetch(url, { method: 'PUT', body, duplex: 'half' })).text(),
    idleCloseError: { name: 'TypeError', message: 'fetch failed', cause: { code: 'UND_ERR_SOCKET' } },
  },
  {
    name: 'http.request + stream.pipeline',
    upload: httpRequestPut,
    idleCloseError: { message: 'socket hang up', code: 'ECONNRESET' },
  },
  {
    name: 'got',
    // got retries a failed PUT, which a stream body cannot be: the retry fails with an error of its own.
    upload: (url, body) => got.put(url, { body, retry: { limit: 0 } }).text(),
    idleCloseError: { name: 'RequestError', message: 'socket hang up', code: 'ECONNRESET' },
  },
  {
    name: 'axios',
    upload: async (url, body) => (await axios.put<string>(url, body, { responseType: 'text' })).data,
    idleCloseError: { isAxiosError: true, message: 'socket hang up', code: 'ECONNRESET' },
  },
];

/** 'step 1', a silence, 'step 2': a build log whose second step is quiet for a while. */
function buildLog(): Readable {
  let timer: NodeJS.Timeout | undefined;
  return new Readable({
    construct(callback) {
      this.push('step 1\n');
      timer = setTimeout(() => {
        this.push('step 2\n');
        this.push(null);
      }, SILENCE_MS);
      callback();
    },
    read() {},
    destroy(error, callback) {
      clearTimeout(timer);
      callback(error);
    },
  });
}

let server: IdleClosingServer;
beforeAll(async () => {
  server = await startIdleClosingServer(IDLE_LIMIT_MS);
});
afterAll(() => server.close());

describe.concurrent.each(clients)('$name', ({ name, upload, idleCloseError }) => {
  const path = `/${name.split(/\W/)[0]}-${clients.findIndex((client) => client.name === name)}`;

  it('plain: ended by the server at its idle limit, explained as server-idle-close', async ({ expect, onTestFinished }) => {
    const source = buildLog();
    onTestFinished(() => void source.destroy());

    const error = await rejectionOf(upload(`${server.url}${path}/plain.log`, source));

    expect(error).toMatchObject(idleCloseError);
    expect(explainUploadError(error).kind).toBe('server-idle-close');
    expect(server.idleClosed(`${path}/plain.log`)).toBe(true);
    expect(server.received(`${path}/plain.log`)).toBeUndefined();
  });

  it('through withHeartbeat: stored, with fillers only where the log was silent', async ({ expect, onTestFinished }) => {
    const body = withHeartbeat(buildLog(), { idleLimitMs: IDLE_LIMIT_MS, heartbeatAfterMs: HEARTBEAT_AFTER_MS });
    onTestFinished(() => void body.destroy());

    const answer = await upload(`${server.url}${path}/kept.log`, body);

    expect(body.heartbeats).toBeGreaterThanOrEqual(SILENCE_MS / IDLE_LIMIT_MS);
    expect(answer).toBe(`${LOG.length + body.heartbeats} bytes`);
    expect(server.received(`${path}/kept.log`)!.toString()).toBe(`step 1\n${' '.repeat(body.heartbeats)}step 2\n`);
  });
});
