import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { withHeartbeat } from '../../src/index.js';

describe('a Duplex source ends the wrapper when its readable side ends, as pipe() does', () => {
  it('a loopback socket whose peer has sent everything (allowHalfOpen): its writable side stays open to answer', async () => {
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    try {
      const [accepted] = (await once(server, 'connection')) as [Socket];
      client.end('build log\n');
      const received = await text(withHeartbeat(accepted, { idleLimitMs: 60_000 }));
      expect(received).toBe('build log\n');
      // The wrapper ended without destroying the socket: the server can still answer.
      expect(accepted.destroyed).toBe(false);
      accepted.end('stored\n');
      expect(await text(client)).toBe('stored\n');
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('a plain Duplex whose writable side never ends', async () => {
    const duplex = new Duplex({
      read() {},
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    duplex.push('all of it');
    duplex.push(null);
    expect(await text(withHeartbeat(duplex))).toBe('all of it');
    expect(duplex.writable).toBe(true);
    duplex.destroy();
  });
});
