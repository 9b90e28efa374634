import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IdleClosingServer {
  /** Where to upload: any path, any method with a body. */
  url: string;
  /** The body of each completed upload, by path. */
  received(path: string): Buffer | undefined;
  /** Whether the upload to `path` was ended with a FIN because its body was silent for the idle limit. */
  idleClosed(path: string): boolean;
  /** Whether the headers of a request to `path` have arrived. */
  started(path: string): boolean;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 with nginx's client_body_timeout rule, enforced as OSS does: a request whose
 * body sends nothing for `idleLimitMs` is ended with a FIN and dropped. A complete body is kept and
 * answered 200 with its length.
 */
export async function startIdleClosingServer(idleLimitMs: number): Promise<IdleClosingServer> {
  // By path, so that uploads side by side each learn their own fate.
  const bodies = new Map<string, Buffer>();
  const idleClosed = new Set<string>();
  const started = new Set<string>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    started.add(path);
    const chunks: Buffer[] = [];
    const idle = setTimeout(() => {
      idleClosed.add(path);
      req.socket.end();
    }, idleLimitMs);
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      idle.refresh();
    });
    req.once('end', () => {
      clearTimeout(idle);
      const body = Buffer.concat(chunks);
      bodies.set(path, body);
      res.end(`${body.length} bytes`);
    });
    req.once('close', () => clearTimeout(idle));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: (path) => bodies.get(path),
    idleClosed: (path) => idleClosed.has(path),
    started: (path) => started.has(path),
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
