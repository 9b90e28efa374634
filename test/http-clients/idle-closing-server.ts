import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IdleClosingServer {
  /** Where to upload: any path, any method with a body. */
  url: string;
  /** The body of each completed upload, by path. */
  received(path: string): Buffer | undefined;
  /** Uploads ended with a FIN because their body was silent for the idle limit. */
  idleClosed(): number;
  /** Requests whose headers have arrived. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 with nginx's client_body_timeout rule, enforced as OSS does: a request whose
 * body sends nothing for `idleLimitMs` is ended with a FIN and dropped. A complete body is kept and
 * answered 200 with its length.
 */
export async function startIdleClosingServer(idleLimitMs: number): Promise<IdleClosingServer> {
  const bodies = new Map<string, Buffer>();
  let idleClosed = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    const idle = setTimeout(() => {
      idleClosed += 1;
      req.socket.end();
    }, idleLimitMs);
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      idle.refresh();
    });
    req.once('end', () => {
      clearTimeout(idle);
      const body = Buffer.concat(chunks);
      bodies.set(req.url ?? '/', body);
      res.end(`${body.length} bytes`);
    });
    req.once('close', () => clearTimeout(idle));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: (path) => bodies.get(path),
    idleClosed: () => idleClosed,
    requests: () => requests,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
