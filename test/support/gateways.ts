// Gateways between a client and the local OSS that impose a proxy's limits (idle body, whole request) and answer as HAProxy, Varnish, Squid or Caddy do.
import { createServer } from 'node:http';
import { closeServer, forwardRequest, listenOnLoopback, relayAnswer } from './forward.js';

export interface GatewayOptions {
  /** Once a request body has been silent this long, answer `status` in the upstream's place, as HAProxy (504) and Varnish (503) do. */
  idle?: { limitMs: number; status: 503 | 504 };
  /** Node's own limit on the whole request (http.Server `requestTimeout`), answered with a 408. */
  requestTimeoutMs?: number;
  /** A limit on the whole request answered with a bare FIN, as Squid's `client_lifetime`. */
  closeAfterMs?: number;
  /** This long into a request, cut its body and answer 200 with neither ETag nor x-oss-request-id, as Caddy did. */
  answerOkAfterMs?: number;
}

export interface Gateway {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A reverse proxy on 127.0.0.1 in front of `target` (startLocalOss), forwarding requests as they come,
 * with the limits real proxies put on a long upload.
 */
export async function startGateway(target: string, options: GatewayOptions): Promise<Gateway> {
  const upstream = new URL(target);
  // A short check interval: Node looks for requests past requestTimeout only every connectionsCheckingInterval.
  const server = createServer({ requestTimeout: options.requestTimeoutMs ?? 0, connectionsCheckingInterval: 20 }, (req, res) => {
    const forward = forwardRequest(upstream, req, (answer) => relayAnswer(answer, res));
    forward.on('error', () => res.destroy());

    const answerInstead = (status: number, body: string): void => {
      forward.destroy();
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/html', Connection: 'close' }).end(body);
    };
    const timers: NodeJS.Timeout[] = [];
    if (options.idle) {
      const { limitMs, status } = options.idle;
      const idle = setTimeout(() => answerInstead(status, `<html><body><h1>${status} Gateway Timeout</h1></body></html>`), limitMs);
      req.on('data', () => idle.refresh());
      timers.push(idle);
    }
    if (options.answerOkAfterMs !== undefined) timers.push(setTimeout(() => answerInstead(200, ''), options.answerOkAfterMs));
    if (options.closeAfterMs !== undefined) timers.push(setTimeout(() => req.socket.end(), options.closeAfterMs));
    const clear = (): void => timers.forEach((timer) => clearTimeout(timer));
    req.once('end', clear);
    req.once('close', clear);
  });
  return { endpoint: await listenOnLoopback(server), close: () => closeServer(server) };
}
