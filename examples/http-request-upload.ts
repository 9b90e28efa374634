/**
 * Streams standard input to an HTTP server with node:http, kept alive through silent build steps:
 *   make 2>&1 | npx tsx examples/http-request-upload.ts http://127.0.0.1:8080/logs/build-42.log
 * IDLE_LIMIT_MS is the server's idle limit (default 60 s, as nginx's client_body_timeout).
 */
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { withHeartbeat } from 'heartbeat-readable';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/logs/build-42.log';
const body = withHeartbeat(process.stdin, { idleLimitMs: Number(process.env.IDLE_LIMIT_MS ?? 60_000) });

// No Content-Length: the body goes chunked. Awaited together, so a failure rejects once, handled.
const req = request(url, { method: 'PUT' });
const [[response]] = (await Promise.all([once(req, 'response'), pipeline(body, req)])) as [[IncomingMessage], void];
response.resume();
console.log(`HTTP ${response.statusCode}: ${body.dataBytes} bytes of log, ${body.heartbeats} heartbeats`);
