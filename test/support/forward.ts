// Forwarding HTTP requests to an upstream and relaying its answers: the plumbing of the gateways, the scripted OSS and the peers.
import { once } from 'node:events';
import { request, type Agent, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Sends `req` on to `upstream` (an http://host:port endpoint) as it comes: its method, path, headers and body.
 * `onAnswer` gets the upstream's answer. The caller handles the returned request's errors.
 */
export function forwardRequest(
  upstream: URL,
  req: IncomingMessage,
  onAnswer: (answer: IncomingMessage) => void,
  agent?: Agent,
): ClientRequest {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
    onAnswer,
  );
  req.pipe(forward);
  return forward;
}

/** The answer's headers a proxy passes on: hop-by-hop ones (the upstream's own connection handling) left out. */
export function endToEndHeaders(answer: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ...answer.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  return headers;
}

/** Passes the upstream's answer on to the client as it comes, with `headers` (by default its end-to-end ones). */
export function relayAnswer(answer: IncomingMessage, res: ServerResponse, headers = endToEndHeaders(answer)): void {
  res.writeHead(answer.statusCode ?? 502, headers);
  answer.pipe(res);
}

/** Starts `server` on a free port of 127.0.0.1; resolves with its endpoint, e.g. 'http://127.0.0.1:34567'. */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops listening and ends every connection, idle or not; resolves once the server has closed. */
export async function closeServer(server: Server): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}
