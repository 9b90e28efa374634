// A TCP proxy in front of a server that resets connections, reads slowly or holds answers back: faults on the wire.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface FaultProxyOptions {
  /** Reset the client's connection (RST, `resetAndDestroy`) once this many request-body bytes have passed. */
  resetAfterBodyBytes?: number;
  /** Read the client's bytes no faster than this, pausing its socket after each chunk: a slow server. */
  bytesPerSecond?: number;
  /** Keep the server's responses from the client until `releaseResponses()`: a slow answer. */
  holdResponses?: boolean;
}

export interface FaultProxyStats {
  connections: number;
  /** Request-body bytes forwarded to the server, chunked framing included. */
  bodyBytes: number;
  /** Connections reset. */
  resets: number;
  /** Times the client's socket was paused to slow it down. */
  pauses: number;
}

export interface FaultProxy {
  endpoint: string;
  stats(): FaultProxyStats;
  /** Sends the responses held so far, and from now on passes them through. */
  releaseResponses(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a server (here startLocalOss) that forwards bytes unchanged, FINs included,
 * and injects the faults a real network has: a reset after N request-body bytes, a slow reader. It
 * parses nothing but the end of the first request's headers: one upload per connection.
 */
export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const counters: FaultProxyStats = { connections: 0, bodyBytes: 0, resets: 0, pauses: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let holding = options.holdResponses === true;
  const held: (() => void)[] = [];
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    counters.connections += 1;
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    const toClient = (send: () => void): void => {
      if (holding) held.push(send);
      else send();
    };
    upstream.on('data', (chunk: Buffer) => toClient(() => client.write(chunk)));
    upstream.on('end', () => toClient(() => client.end()));
    client.on('end', () => upstream.end());
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());

    let head = '';
    let received = 0;
    let bodyStart: number | undefined;
    let holds = 0;
    const hold = (): void => {
      holds += 1;
      client.pause();
    };
    const release = (): void => {
      holds -= 1;
      if (holds === 0 && !client.destroyed) client.resume();
    };

    client.on('data', (chunk: Buffer) => {
      const start = received;
      received += chunk.length;
      if (bodyStart === undefined) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end !== -1) bodyStart = end + 4;
      }
      const bodyBefore = bodyStart === undefined ? 0 : Math.max(0, start - bodyStart);
      const bodyAfter = bodyStart === undefined ? 0 : Math.max(0, received - bodyStart);
      const { resetAfterBodyBytes, bytesPerSecond } = options;

      if (resetAfterBodyBytes !== undefined && bodyStart !== undefined && bodyAfter >= resetAfterBodyBytes) {
        // Forward up to the reset point, so the server has seen exactly N body bytes, then reset.
        // The server's side is reset too, once those bytes are on its socket.
        const forwarded = bodyStart + resetAfterBodyBytes - start;
        counters.bodyBytes += resetAfterBodyBytes - bodyBefore;
        counters.resets += 1;
        client.resetAndDestroy();
        upstream.write(chunk.subarray(0, forwarded), () => upstream.resetAndDestroy());
        return;
      }
      counters.bodyBytes += bodyAfter - bodyBefore;
      if (!upstream.write(chunk)) {
        hold();
        upstream.once('drain', release);
      }
      if (bytesPerSecond !== undefined) {
        counters.pauses += 1;
        hold();
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            release();
          },
          (chunk.length / bytesPerSecond) * 1000,
        );
        timers.add(timer);
      }
    });
  });

  await once(server.listen(0, '127.0.0.1'), 'listening');
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stats: () => ({ ...counters }),
    releaseResponses: () => {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    close: () => {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
