/**
 * startLocalOss in a process of its own, so the client's event loop (busy or not) and the server's
 * never share a thread: the server's gap figures must see what a remote server would see.
 * Protocol over the IPC channel: it sends { ready, endpoint, clientOptions } once listening; it answers
 * 'stats' with { stats }, and 'close' by closing and exiting.
 */
import type OSS from 'ali-oss';
import type { LocalOssStats } from '../src/testing/index.js';
import { loadTesting } from './product.js';

export type ServerMessage =
  | { type: 'ready'; clientOptions: OSS.Options }
  | { type: 'stats'; stats: LocalOssStats };

export type ClientMessage = 'stats' | 'close';

const send = (message: ServerMessage): void => {
  process.send!(message);
};

const { startLocalOss } = await loadTesting();
const server = await startLocalOss({ idleLimitMs: Number(process.argv[2]) });
process.on('message', (message: ClientMessage) => {
  if (message === 'stats') send({ type: 'stats', stats: server.stats() });
  else void server.close().then(() => process.exit(0));
});
// The parent gone means nobody will ever say 'close'.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', clientOptions: server.clientOptions() });
