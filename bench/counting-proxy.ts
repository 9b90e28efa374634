/**
 * A reverse proxy in front of the local server that notes every request and the body bytes of its answer:
 * startLocalOss counts request bodies, not what it sends back. It forwards requests as they come (headers,
 * Host included, so ali-oss's signatures still hold) and answers as the server answered.
 */
import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request through the proxy, noted when its answer has ended. */
export interface ProxiedRequest {
  method: string;
  /** Path and query: `?tagging` marks a GetObjectTagging. */
  url: string;
  /** The Range header, if any. */
  range: string | undefined;
  status: number;
  /** Bytes of the answer's body as sent (after any chunked framing is taken off). */
  responseBodyBytes: number;
}

export interface CountingProxy {
  /** e.g. 'http://127.0.0.1:34567' */
  endpoint: string;
  /** Every request answered so far, oldest first. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  // As startLocalOss: no keep-alive or request timeout of its own, the client's agent closes idle sockets.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 0 }, (req, res) => {
    const upstream = request({ host: hostname, port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      let responseBodyBytes = 0;
      answer.on('data', (chunk: Buffer) => (responseBodyBytes += chunk.length));
      answer.once('end', () => {
        requests.push({
          method: req.method!,
          url: req.url!,
          range: req.headers.range,
          status: answer.statusCode!,
          responseBodyBytes,
        });
      });
      res.writeHead(answer.statusCode!, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
    });
    // A failure on either side ends the other: the client sees a dropped connection, as without the proxy.
    upstream.once('error', () => req.socket.destroy());
    req.once('error', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      server.close();
      server.closeAllConnections();
      agent.destroy();
      await once(server, 'close');
    },
  };
}
