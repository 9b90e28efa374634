import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatReadable, withHeartbeat, type HeartbeatTimers } from '../../src/index.js';
import { manualTimers, nextTick } from '../support/fake-clock.js';
import { sink } from '../support/recording.js';
import { quietResources, resourcesBackTo } from '../support/resources.js';
import { seededRandom, trackedTimers } from './helpers.js';

/** Set LEAK_SEED to replay a failing run; the seed is in every test's name. */
const SEED = Number(process.env.LEAK_SEED ?? 0x2026_1125);
const STREAMS = 1_000;
const ROUNDS = 12;

type Kind = 'HeartbeatReadable' | 'withHeartbeat(Readable)' | 'withHeartbeat(ReadableStream)';
type Reader = "'data'" | "'readable'" | 'pipe' | 'read()';
type Ending = 'end' | 'error' | 'destroy';

interface Subject {
  kind: Kind;
  reader: Reader;
  ending: Ending;
  stream: HeartbeatReadable;
  /** Sends bytes the way this kind's producer does. */
  write(bytes: Buffer): void;
  /** Ends, errors or destroys it the way its `ending` says, from the producer's or the reader's side. */
  finish(): void;
  /** For a reader that pulls: take what is buffered. */
  drain(): void;
  finished: boolean;
  closed: boolean;
}

interface Clock {
  /** Timers for the streams; undefined: the global ones. */
  timers: HeartbeatTimers | undefined;
  advance(ms: number): Promise<void>;
  /** Heartbeat timers pending. */
  pending(): number;
  idleLimitMs: readonly [number, number];
}

function makeSubject(
  random: ReturnType<typeof seededRandom>,
  timers: HeartbeatTimers | undefined,
  idleLimitMs: number,
): Subject {
  const kind = random.pick<Kind>(['HeartbeatReadable', 'withHeartbeat(Readable)', 'withHeartbeat(ReadableStream)']);
  const reader = random.pick<Reader>(["'data'", "'readable'", 'pipe', 'read()']);
  const ending = random.pick<Ending>(['end', 'error', 'destroy']);
  const fromReaderSide = random.next() < 0.5;
  const options = { idleLimitMs, ...(timers && { timers }) };
  const failure = new Error('random failure');

  let stream: HeartbeatReadable;
  let write: (bytes: Buffer) => void;
  let finish: () => void;
  if (kind === 'HeartbeatReadable') {
    const own = new HeartbeatReadable(options);
    stream = own;
    write = (bytes) => own.push(bytes);
    finish = { end: () => own.push(null), error: () => own.destroy(failure), destroy: () => own.destroy() }[ending];
  } else if (kind === 'withHeartbeat(Readable)') {
    const source = new Readable({ read() {} });
    source.on('error', () => {});
    stream = withHeartbeat(source, options);
    write = (bytes) => source.push(bytes);
    const target = fromReaderSide ? stream : source;
    finish = {
      end: () => source.push(null),
      error: () => target.destroy(failure),
      // A source destroyed without an error ends the wrapper with a premature-close error.
      destroy: () => target.destroy(),
    }[ending];
  } else {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const source = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    stream = withHeartbeat(source, options);
    write = (bytes) => controller.enqueue(bytes);
    finish = {
      end: () => controller.close(),
      error: () => (fromReaderSide ? stream.destroy(failure) : controller.error(failure)),
      // A web stream's producer cannot be destroyed: the reader's side cancels it.
      destroy: () => stream.destroy(),
    }[ending];
  }

  const subject: Subject = {
    kind,
    reader,
    ending,
    stream,
    write,
    finish: () => {
      subject.finished = true;
      finish();
    },
    drain: () => {
      if (reader === 'read()') readAll(stream);
    },
    finished: false,
    closed: false,
  };
  stream.on('error', () => {});
  stream.once('close', () => (subject.closed = true));
  return subject;
}

function startReading(subject: Subject): void {
  const { stream, reader } = subject;
  if (reader === "'data'") stream.on('data', () => {});
  else if (reader === "'readable'") stream.on('readable', () => readAll(stream));
  else if (reader === 'pipe') stream.pipe(sink());
  else stream.read();
}

function readAll(stream: Readable): void {
  while (stream.read() !== null);
}

async function ticks(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await nextTick();
  await Promise.resolve();
}

/**
 * Creates `STREAMS` streams, reads them all, then over `ROUNDS` rounds writes to them, lets time pass
 * (heartbeats fire) and ends, errors or destroys a random share, until all are done. Returns figures.
 */
async function churn(clock: Clock, seed: number): Promise<Record<string, number>> {
  const random = seededRandom(seed);
  const subjects = Array.from({ length: STREAMS }, () =>
    makeSubject(random, clock.timers, random.int(...clock.idleLimitMs)),
  );
  await ticks();
  // Nothing runs a clock before it is read.
  expect(clock.pending()).toBe(0);

  for (const subject of subjects) startReading(subject);
  await ticks();
  // Each stream's clock was started by its reader: one timer each, never more.
  expect(clock.pending()).toBe(STREAMS);

  for (let round = 1; round <= ROUNDS; round++) {
    for (const subject of subjects) {
      if (subject.finished) continue;
      if (random.next() < 0.3) subject.write(Buffer.from(`r${round}:${random.int(0, 1e6)}\n`));
      // Everything is finished by the last round.
      if (round === ROUNDS || random.next() < 1 / (ROUNDS - round + 1)) subject.finish();
      subject.drain();
    }
    // Up to the shortest idle limit: a heartbeat or two per stream and round (a fake timer costs O(timers)).
    await clock.advance(random.int(1, clock.idleLimitMs[0]));
    for (const subject of subjects) subject.drain();
    await ticks();
    // Exactly one timer per stream still open, none for a stream that ended or was destroyed.
    const open = subjects.filter(({ stream }) => !stream.destroyed && !stream.readableEnded);
    expect(clock.pending()).toBe(open.length);
  }

  await vi.waitFor(
    async () => {
      for (const subject of subjects) subject.drain();
      await ticks(1);
      expect(subjects.filter((subject) => !subject.closed)).toHaveLength(0);
    },
    { timeout: 10_000 },
  );
  expect(clock.pending()).toBe(0);
  for (const subject of subjects) expect(subject.stream.destroyed).toBe(true);

  const count = (predicate: (subject: Subject) => boolean): number => subjects.filter(predicate).length;
  return {
    streams: subjects.length,
    heartbeats: subjects.reduce((sum, subject) => sum + subject.stream.heartbeats, 0),
    ended: count((subject) => subject.ending === 'end'),
    errored: count((subject) => subject.ending === 'error'),
    destroyed: count((subject) => subject.ending === 'destroy'),
  };
}

function expectVariety(figures: Record<string, number>): void {
  // A run that never fired a heartbeat or skipped a way of finishing would prove little.
  expect(figures.heartbeats).toBeGreaterThan(STREAMS / 4);
  for (const ending of ['ended', 'errored', 'destroyed']) expect(figures[ending]).toBeGreaterThan(STREAMS / 5);
}

describe(`${STREAMS} heartbeat streams ended, errored and destroyed at random (seed ${SEED}) leave no timer`, () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('under Vitest fake timers (the global setTimeout, looked up at call time)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const clock: Clock = {
      timers: undefined,
      advance: async (ms) => {
        vi.advanceTimersByTime(ms);
        await ticks();
      },
      pending: () => vi.getTimerCount(),
      idleLimitMs: [1_000, 4_000],
    };
    expectVariety(await churn(clock, SEED));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('under injected timers', async () => {
    const timers = manualTimers();
    const clock: Clock = {
      timers,
      advance: async (ms) => {
        timers.advance(ms);
        await ticks();
      },
      pending: () => timers.pending(),
      idleLimitMs: [1_000, 4_000],
    };
    expectVariety(await churn(clock, SEED + 1));
  });

  it('under real timers: no heartbeat timer pending, and no referenced timer or socket left', async () => {
    const before = await quietResources();
    const timers = trackedTimers();
    const clock: Clock = {
      timers,
      // Real time must pass for real heartbeats.
      advance: (ms) => sleep(ms).then(() => ticks()),
      pending: () => timers.pending(),
      idleLimitMs: [40, 120],
    };
    expectVariety(await churn(clock, SEED + 2));
    await resourcesBackTo(before);
  });
});

const OUTCOMES = ['stored', 'source-error', 'aborted', 'server-idle-close'];

describe('a process that uploads with the library exits by itself', () => {
  // The fixture closes its servers but not the clients' agents: nothing the library made may hold the process.
  // One process for all four endings, side by side: most of a run is tsx starting up.
  it(`after uploads that end ${OUTCOMES.join(', ')}, without process.exit`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/fixtures/upload-and-exit.ts', ...OUTCOMES], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Generous: two busy cores, tsx compiling at start-up. Only a hang comes near it.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 40_000);
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      expect({ code, signal, stderr }).toMatchObject({ code: 0, signal: null });
      expect(JSON.parse(stdout)).toEqual(OUTCOMES);
    } finally {
      clearTimeout(deadline);
    }
  }, 60_000);
});
