/**
 * One process holding `count` started, idle streams of one kind; prints one JSON line with the heap
 * each stream costs and the CPU the process spends over `windowMs` of silence. A process of its own
 * per kind, so that neither the heap nor the timer lists of one kind colour the other's figure.
 * Run with --expose-gc: heap figures without a full collection measure garbage.
 */
import type { Readable } from 'node:stream';
import { setImmediate, setTimeout } from 'node:timers/promises';
import { createPushStream, STREAM_KINDS, type StreamKind } from './kinds.js';

export interface IdleReport {
  kind: StreamKind;
  heapBytesPerStream: number;
  cpuMicros: number;
  /** Filler bytes the readers received during the window: a design that sends none does no work. */
  fillerBytes: number;
}

const [kind, count, silenceMs, windowMs] = process.argv.slice(2);
if (!STREAM_KINDS.includes(kind as StreamKind)) throw new Error(`unknown stream kind ${kind}`);
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with --expose-gc');

gc();
const heapBefore = process.memoryUsage().heapUsed;
const streams: Readable[] = [];
let received = 0;
const onData = (chunk: Buffer): void => {
  received += chunk.length;
};
for (let i = 0; i < Number(count); i++) {
  const stream = createPushStream(kind as StreamKind, Number(silenceMs));
  // Started, as under an upload: a reader flows it. The first log line starts the seed's clock.
  stream.on('data', onData);
  stream.push('step 1\n');
  streams.push(stream);
}
// resume() and the first read happen on later ticks.
await setImmediate();
await setImmediate();
gc();
const heapBytesPerStream = (process.memoryUsage().heapUsed - heapBefore) / streams.length;

const receivedBefore = received;
const cpuBefore = process.cpuUsage();
await setTimeout(Number(windowMs));
const cpu = process.cpuUsage(cpuBefore);
const report: IdleReport = {
  kind: kind as StreamKind,
  heapBytesPerStream,
  cpuMicros: cpu.user + cpu.system,
  fillerBytes: received - receivedBefore,
};
console.log(JSON.stringify(report));
// The seed's intervals are never cleared without 'end': they would keep this process alive.
process.exit(0);
