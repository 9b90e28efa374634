// Compiled by `tsc` (tsconfig.json includes test/): each @ts-expect-error must meet an error, each other line none.
import { Readable } from 'node:stream';
import { HeartbeatReadable, type HeartbeatInfo } from '../../src/index.js';

const log = new HeartbeatReadable();
const plain = new Readable();

// Readable's own events keep their listener types, as on a plain Readable.
// @ts-expect-error -- an Error has no such property
log.on('error', (error) => error.noSuchProperty);
// @ts-expect-error -- the same on a plain Readable
plain.on('error', (error) => error.noSuchProperty);
log.once('data', (chunk) => chunk as Buffer);
log.on('close', () => undefined).on('end', () => undefined);
// As on a Readable, a listener that takes arguments an event does not pass falls to the catch-all.
export const ended = new Promise((resolve) => log.on('end', resolve));

// 'heartbeat' is typed, on every way to listen, and chains.
log.on('heartbeat', (info: HeartbeatInfo) => info.count + info.silentMs);
log.prependOnceListener('heartbeat', ({ count }) => count.toFixed()).off('heartbeat', () => undefined);
// @ts-expect-error -- 'heartbeat' passes a HeartbeatInfo, not a string
log.on('heartbeat', (info: string) => info);
// @ts-expect-error -- a HeartbeatInfo has no such property
log.addListener('heartbeat', (info) => info.noSuchProperty);
log.emit('heartbeat', { count: 1, silentMs: 30_000 });
// @ts-expect-error -- the event's argument is a HeartbeatInfo
log.emit('heartbeat', 'filler');

// Other names, strings or symbols, take any listener, as on a Readable.
log.on('progress', (done: number, total: number) => done / total);
log.on(Symbol('own'), () => undefined);

// Still a Readable wherever one is expected.
export const asReadable: Readable = log;
