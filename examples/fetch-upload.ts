/**
 * Streams standard input to an HTTP server with Node's own fetch, kept alive through silent build steps:
 *   make 2>&1 | npx tsx examples/fetch-upload.ts http://127.0.0.1:8080/logs/build-42.log
 * IDLE_LIMIT_MS is the server's idle limit (default 60 s, as nginx's client_body_timeout).
 */
import { Readable } from 'node:stream';
import { withHeartbeat } from 'heartbeat-readable';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/logs/build-42.log';
const body = withHeartbeat(process.stdin, { idleLimitMs: Number(process.env.IDLE_LIMIT_MS ?? 60_000) });

// A streamed request body needs duplex: 'half'; fetch sends it chunked. A web stream and `as RequestInit`: the same
// code type-checks with the DOM lib (whose RequestInit has no duplex, and whose ReadableStream is its own) and without.
const init = { method: 'PUT', body: Readable.toWeb(body), duplex: 'half' } as RequestInit;
const response = await fetch(url, init);
console.log(`HTTP ${response.status}: ${body.dataBytes} bytes of log, ${body.heartbeats} heartbeats`);
