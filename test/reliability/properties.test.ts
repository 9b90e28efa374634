import { isUtf8 } from 'node:buffer';
import { PassThrough } from 'node:stream';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HeartbeatReadable,
  withHeartbeat,
  type HeartbeatInfo,
  type HeartbeatOptions,
  type HeartbeatSource,
} from '../../src/index.js';
import { manualTimers } from '../support/fake-clock.js';

/*
 * Properties of what a reader receives, for random text (multi-byte UTF-8 split at random byte offsets),
 * random bytes, random chunk representations, random silences on a fake clock and random options.
 * Each property runs RUNS random scenarios for a HeartbeatReadable pushed to directly and for
 * withHeartbeat(source); fast-check prints the seed and the shrunk counterexample on failure.
 */
const RUNS = 200;

// ---------------------------------------------------------------------------------------------------------
// Scenarios

type ClockKind = 'injected timers' | 'vitest fake timers';
/**
 * When the input is written: between two advances of the clock, or by timers on the fake clock itself,
 * interleaved with the heartbeat's timer. Only Vitest's async advance runs microtasks and nextTicks between
 * timers as Node's real timers do; manualTimers().advance runs callbacks back to back, so it only ever
 * drives the stream between writes.
 */
type Schedule = 'between advances' | 'on the fake clock';
type StreamKind = 'HeartbeatReadable' | 'withHeartbeat';
type SourceKind = 'PassThrough' | 'async iterable' | 'WHATWG ReadableStream';
/** How a chunk is handed to HeartbeatReadable.push: every form push accepts for bytes. */
type Representation = 'Buffer' | 'Uint8Array' | 'utf8 string' | 'latin1 string' | 'hex string' | 'base64 string';

interface Piece {
  bytes: Buffer;
  /** Fake-clock silence before this piece is pushed, in ms. */
  silenceBefore: number;
  as: Representation;
}

interface Scenario {
  input: Buffer;
  pieces: Piece[];
  /** Silence after the last piece, before the end. */
  silenceAfter: number;
  idleLimitMs: number;
  /** As given: undefined means the default, idleLimitMs / 2. */
  heartbeatAfterMs: number | undefined;
  filler: string | Uint8Array | undefined;
  utf8Safe: boolean | undefined;
  clock: ClockKind;
  schedule: Schedule;
  source: SourceKind;
}

const textArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Dense in multi-byte characters of every length, so random cuts split many of them.
  fc.string({ unit: fc.constantFrom('a', '\n', ' ', 'é', 'ß', '构', '建', '日志', '💓', '𝄞', '\u0000'), maxLength: 60 }),
);
const inputArb = fc.oneof(
  { weight: 3, arbitrary: textArb.map((text) => Buffer.from(text, 'utf8')) },
  // Not UTF-8 at all: the bytes must still pass through unchanged.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)) },
  // Text that ends inside a character: the held-back bytes must still arrive at the end.
  {
    weight: 1,
    arbitrary: fc
      .tuple(textArb, fc.integer({ min: 1, max: 3 }))
      .map(([text, cut]) => {
        const bytes = Buffer.from(`${text}构💓`, 'utf8');
        return bytes.subarray(0, bytes.length - cut);
      }),
  },
);

const timingArb = fc.oneof(
  // Any heartbeatAfterMs the stream accepts: its longest gap, heartbeatAfterMs and one step, under the limit.
  fc
    .record({ heartbeatAfterMs: fc.integer({ min: 1, max: 3_000 }), margin: fc.integer({ min: 1, max: 3_000 }) })
    .map(({ heartbeatAfterMs, margin }) => ({
      idleLimitMs: heartbeatAfterMs + Math.ceil(heartbeatAfterMs / 16) + margin,
      heartbeatAfterMs,
    })),
  // The default heartbeatAfterMs, half the limit (even limits: fake timers count whole milliseconds).
  fc.integer({ min: 2, max: 3_000 }).map((half) => ({ idleLimitMs: 2 * half, heartbeatAfterMs: undefined })),
);

function silenceArb(heartbeatAfterMs: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constant(0),
    // Just short of, exactly at and just past the moment a filler is due.
    fc.constantFrom(heartbeatAfterMs - 1, heartbeatAfterMs, heartbeatAfterMs + 1),
    fc.integer({ min: 0, max: 4 * heartbeatAfterMs }),
  );
}

const fillerArb = fc.constantFrom<string | Uint8Array | undefined>(
  undefined,
  '\u0000',
  '\n',
  '·',
  '💓',
  'keepalive',
  Buffer.from([0xe6]), // half a character: allowed only with utf8Safe false
  new Uint8Array([0xff, 0x00]),
);

const representationArb = fc.constantFrom<Representation>(
  'Buffer',
  'Uint8Array',
  'utf8 string',
  'latin1 string',
  'hex string',
  'base64 string',
);

function scenarioArb(constraints: { validUtf8Only?: boolean } = {}): fc.Arbitrary<Scenario> {
  const utf8SafeArb = constraints.validUtf8Only
    ? fc.constantFrom<boolean | undefined>(undefined, true)
    : fc.constantFrom<boolean | undefined>(undefined, true, false);
  const input = constraints.validUtf8Only ? textArb.map((text) => Buffer.from(text, 'utf8')) : inputArb;
  return timingArb.chain(({ idleLimitMs, heartbeatAfterMs }) => {
    const silence = silenceArb(heartbeatAfterMs ?? idleLimitMs / 2);
    return fc
      .record({
        input,
        cuts: fc.array(fc.record({ at: fc.nat(), silenceBefore: silence, as: representationArb }), { maxLength: 20 }),
        last: fc.record({ silenceBefore: silence, as: representationArb }),
        silenceAfter: silence,
        filler: fillerArb,
        utf8Safe: utf8SafeArb,
        clock: fc.constantFrom<ClockKind>('injected timers', 'vitest fake timers'),
        onTheClock: fc.boolean(),
        source: fc.constantFrom<SourceKind>('PassThrough', 'async iterable', 'WHATWG ReadableStream'),
      })
      .map(({ input, cuts, last, silenceAfter, filler, utf8Safe, clock, onTheClock, source }): Scenario => {
        // Cut the bytes at random offsets (repeats give empty chunks), anywhere inside a character.
        const offsets = cuts.map((cut) => cut.at % (input.length + 1));
        const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
        const pieces: Piece[] = [];
        let from = 0;
        for (const i of order) {
          pieces.push({ bytes: input.subarray(from, offsets[i]), silenceBefore: cuts[i]!.silenceBefore, as: cuts[i]!.as });
          from = offsets[i]!;
        }
        pieces.push({ bytes: input.subarray(from), silenceBefore: last.silenceBefore, as: last.as });
        const fillerIsUtf8 = filler === undefined || typeof filler === 'string' || isUtf8(filler);
        return {
          input,
          pieces,
          silenceAfter,
          idleLimitMs,
          heartbeatAfterMs,
          // A filler that is not UTF-8 is refused when utf8Safe is on (covered in the bad-input table).
          filler: utf8Safe === false || fillerIsUtf8 ? filler : undefined,
          utf8Safe,
          clock,
          schedule: onTheClock && clock === 'vitest fake timers' ? 'on the fake clock' : 'between advances',
          source,
        };
      });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Running a scenario on a fake clock

interface Arrival {
  /** Fake-clock ms since the reader started reading. */
  at: number;
  bytes: Buffer;
  /** Pushed as a heartbeat: the chunk that arrived as its 'heartbeat' event fired. */
  filler: boolean;
}

interface Outcome {
  arrivals: Arrival[];
  infos: HeartbeatInfo[];
  /** Fake-clock ms since the reader started, when the input ended. */
  endedAt: number;
  heartbeats: number;
  dataBytes: number;
  filler: Buffer;
  heartbeatAfterMs: number;
  /** Timers still pending after 'end'. */
  timersLeft: number;
  /** Things that must never happen: errors, a 'heartbeat' without its own chunk. */
  anomalies: string[];
}

interface Clock {
  timers: HeartbeatOptions['timers'];
  now(): number;
  advance(ms: number): Promise<void>;
  pending(): number;
  dispose(): void;
}

const flush = async (): Promise<void> => {
  // Everything queued with nextTick or as a microtask runs before setImmediate's callback.
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
};

function makeClock(kind: ClockKind): Clock {
  if (kind === 'injected timers') {
    const timers = manualTimers();
    return {
      timers,
      now: () => timers.now(),
      advance: async (ms) => {
        timers.advance(ms);
        await flush();
      },
      pending: () => timers.pending(),
      dispose: () => {},
    };
  }
  // The stream's default timers: the globals, looked up at call time, here faked by Vitest.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  return {
    timers: undefined,
    now: () => Date.now(),
    advance: async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
      await flush();
    },
    pending: () => vi.getTimerCount(),
    dispose: () => vi.useRealTimers(),
  };
}

/** A source the test writes into on its own schedule. */
interface Feed {
  source: HeartbeatSource;
  write(bytes: Buffer): void;
  end(): void;
}

function makeFeed(kind: SourceKind): Feed {
  switch (kind) {
    case 'PassThrough': {
      const source = new PassThrough();
      return { source, write: (bytes) => source.write(bytes), end: () => source.end() };
    }
    case 'async iterable': {
      const queue: Array<Buffer | null> = [];
      let wake: (() => void) | undefined;
      const source = (async function* () {
        for (;;) {
          while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          const next = queue.shift()!;
          if (next === null) return;
          yield next;
        }
      })();
      const add = (item: Buffer | null): void => {
        queue.push(item);
        wake?.();
        wake = undefined;
      };
      return { source, write: add, end: () => add(null) };
    }
    case 'WHATWG ReadableStream': {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const source = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c;
        },
      });
      return { source, write: (bytes) => controller.enqueue(new Uint8Array(bytes)), end: () => controller.close() };
    }
  }
}

function pushAs(stream: HeartbeatReadable, bytes: Buffer, as: Representation): void {
  switch (as) {
    case 'Buffer':
      stream.push(Buffer.from(bytes));
      return;
    case 'Uint8Array':
      stream.push(new Uint8Array(bytes));
      return;
    case 'utf8 string':
      // Only a chunk that is UTF-8 on its own can be written as a UTF-8 string.
      if (isUtf8(bytes)) stream.push(bytes.toString('utf8'));
      else stream.push(Buffer.from(bytes));
      return;
    case 'latin1 string':
      stream.push(bytes.toString('latin1'), 'latin1');
      return;
    case 'hex string':
      stream.push(bytes.toString('hex'), 'hex');
      return;
    case 'base64 string':
      stream.push(bytes.toString('base64'), 'base64');
      return;
  }
}

async function run(kind: StreamKind, scenario: Scenario): Promise<Outcome> {
  const clock = makeClock(scenario.clock);
  try {
    const options: HeartbeatOptions = {
      idleLimitMs: scenario.idleLimitMs,
      ...(scenario.heartbeatAfterMs !== undefined && { heartbeatAfterMs: scenario.heartbeatAfterMs }),
      ...(scenario.filler !== undefined && { filler: scenario.filler }),
      ...(scenario.utf8Safe !== undefined && { utf8Safe: scenario.utf8Safe }),
      ...(clock.timers !== undefined && { timers: clock.timers }),
    };
    const feed = kind === 'withHeartbeat' ? makeFeed(scenario.source) : undefined;
    const stream = feed ? withHeartbeat(feed.source, options) : new HeartbeatReadable(options);
    const write = (piece: Piece): void => {
      if (feed) feed.write(Buffer.from(piece.bytes));
      else pushAs(stream, piece.bytes, piece.as);
    };
    const end = (): void => {
      if (feed) feed.end();
      else stream.push(null);
    };

    const anomalies: string[] = [];
    const arrivals: Arrival[] = [];
    const infos: HeartbeatInfo[] = [];
    let ended = false;
    let start = clock.now();
    stream.on('data', (chunk: Buffer) => arrivals.push({ at: clock.now() - start, bytes: chunk, filler: false }));
    stream.on('heartbeat', (info: HeartbeatInfo) => {
      infos.push(info);
      const last = arrivals.at(-1);
      if (last === undefined || last.filler) anomalies.push(`heartbeat ${info.count} arrived without its own chunk`);
      else last.filler = true;
    });
    stream.on('error', (error: Error) => anomalies.push(`error: ${error.message}`));
    stream.on('end', () => (ended = true));
    // The reader starts on the next tick; the silence clock starts with it.
    await flush();
    start = clock.now();

    if (scenario.schedule === 'on the fake clock') {
      let at = 0;
      for (const piece of scenario.pieces) {
        at += piece.silenceBefore;
        setTimeout(() => write(piece), at);
      }
      await clock.advance(at + scenario.silenceAfter);
    } else {
      for (const piece of scenario.pieces) {
        await clock.advance(piece.silenceBefore);
        write(piece);
        await flush();
      }
      await clock.advance(scenario.silenceAfter);
    }
    const endedAt = clock.now() - start;
    end();
    for (let i = 0; i < 10 && !ended; i++) await flush();
    if (!ended) anomalies.push("no 'end' after the input ended");

    return {
      arrivals,
      infos,
      endedAt,
      heartbeats: stream.heartbeats,
      dataBytes: stream.dataBytes,
      filler:
        scenario.filler === undefined
          ? Buffer.from(' ')
          : Buffer.from(typeof scenario.filler === 'string' ? Buffer.from(scenario.filler) : scenario.filler),
      heartbeatAfterMs: scenario.heartbeatAfterMs ?? scenario.idleLimitMs / 2,
      timersLeft: clock.pending(),
      anomalies,
    };
  } finally {
    clock.dispose();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

function property(
  kind: StreamKind,
  check: (scenario: Scenario, outcome: Outcome) => void,
  arbitrary: fc.Arbitrary<Scenario> = scenarioArb(),
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(arbitrary, async (scenario) => {
      const outcome = await run(kind, scenario);
      expect(outcome.anomalies).toEqual([]);
      check(scenario, outcome);
    }),
    { numRuns: RUNS },
  );
}

// ---------------------------------------------------------------------------------------------------------
// The properties

const output = (outcome: Outcome): Buffer => Buffer.concat(outcome.arrivals.map((arrival) => arrival.bytes));

describe.each<StreamKind>(['HeartbeatReadable', 'withHeartbeat'])('%s, random chunks and silences', (kind) => {
  it('the output without its fillers is the input, byte for byte', async () => {
    await property(kind, (scenario, outcome) => {
      for (const arrival of outcome.arrivals.filter((a) => a.filler)) expect(arrival.bytes).toEqual(outcome.filler);
      const data = Buffer.concat(outcome.arrivals.filter((arrival) => !arrival.filler).map((arrival) => arrival.bytes));
      expect(data.equals(scenario.input)).toBe(true);
      // Checked without trusting the 'heartbeat' events too, when the filler is one byte the input lacks.
      if (outcome.filler.length === 1 && !scenario.input.includes(outcome.filler)) {
        const stripped = Buffer.from(output(outcome).filter((byte) => byte !== outcome.filler[0]));
        expect(stripped.equals(scenario.input)).toBe(true);
      }
    });
  });

  it('a filler comes only after heartbeatAfterMs of silence, and never two within heartbeatAfterMs', async () => {
    await property(kind, (_scenario, { arrivals, infos, heartbeatAfterMs }) => {
      let previousFillerAt: number | undefined;
      arrivals.forEach((arrival, i) => {
        if (!arrival.filler) return;
        // Silence as the reader saw it: since the previous chunk it received, or since it started reading.
        const silence = arrival.at - (i === 0 ? 0 : arrivals[i - 1]!.at);
        expect(silence).toBeGreaterThanOrEqual(heartbeatAfterMs);
        if (previousFillerAt !== undefined) expect(arrival.at - previousFillerAt).toBeGreaterThanOrEqual(heartbeatAfterMs);
        previousFillerAt = arrival.at;
      });
      // The 'heartbeat' event reports that silence as the stream counted it on its timers: data that kept flowing
      // is followed in steps of heartbeatAfterMs / 16 (whole milliseconds), so it may count up to one step less, never more.
      const silences = arrivals.flatMap((arrival, i) =>
        arrival.filler ? [arrival.at - (i === 0 ? 0 : arrivals[i - 1]!.at)] : [],
      );
      expect(infos).toHaveLength(silences.length);
      infos.forEach(({ silentMs }, i) => {
        expect(silentMs).toBeGreaterThanOrEqual(heartbeatAfterMs);
        expect(silentMs).toBeLessThanOrEqual(silences[i]!);
        expect(silences[i]! - silentMs).toBeLessThanOrEqual(Math.ceil(heartbeatAfterMs / 16));
      });
    });
  });

  it('the reader never waits longer than heartbeatAfterMs and one step (1/16 of it) for a byte, from its first read to the end', async () => {
    await property(kind, (_scenario, { arrivals, endedAt, heartbeatAfterMs }) => {
      let previous = 0;
      let longest = 0;
      for (const { at } of arrivals) {
        longest = Math.max(longest, at - previous);
        previous = at;
      }
      longest = Math.max(longest, endedAt - previous);
      expect(longest).toBeLessThanOrEqual(heartbeatAfterMs + Math.ceil(heartbeatAfterMs / 16));
    });
  });

  it('the output is valid UTF-8 whenever the input is (utf8Safe on, the default)', async () => {
    await property(
      kind,
      (scenario, outcome) => {
        expect(isUtf8(scenario.input)).toBe(true);
        expect(isUtf8(output(outcome))).toBe(true);
      },
      scenarioArb({ validUtf8Only: true }),
    );
  });

  it('heartbeats and dataBytes account for the output; no timer outlives the end', async () => {
    await property(kind, (scenario, outcome) => {
      const fillers = outcome.arrivals.filter((arrival) => arrival.filler).length;
      expect(outcome.heartbeats).toBe(fillers);
      expect(outcome.infos.map((info) => info.count)).toEqual(Array.from({ length: fillers }, (_, i) => i + 1));
      expect(outcome.dataBytes).toBe(scenario.input.length);
      expect(output(outcome).length).toBe(outcome.dataBytes + outcome.heartbeats * outcome.filler.length);
      expect(outcome.timersLeft).toBe(0);
    });
  });
});
