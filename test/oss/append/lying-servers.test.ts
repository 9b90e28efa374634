import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { appendAccountOf, appendStream, type AppendStreamOptions, type AppendStreamResult } from '../../../src/oss/index.js';
import type { LocalOss } from '../../../src/testing/index.js';
import { startScriptedOss, type GarbledHeader, type Lie, type LieRule, type ScriptedLie, type ScriptedOss } from '../../support/scripted-oss.js';
import { itWithOss as it, muteUrllibWarnings, type LocalOssKit } from '../../support/local-oss.js';
import { KEY } from './helpers.js';
import { logSource } from '../../support/sources.js';

// The rule proven here: appendStream resolves only when OSS itself confirmed every byte (an answer with
// x-oss-request-id, a numeric x-oss-next-append-position equal to the expected length and a numeric
// x-oss-hash-crc64ecma). Any other 2xx is an unknown outcome, checked with a HEAD like a reset; a HEAD answer
// without OSS's headers says nothing about the object and is retried; a 404 without x-oss-request-id is not OSS
// saying "no such object"; OSS's RequestTimeout (400) is retried like a 5xx. Whatever the lie, what appendStream
// reports matches what the local server stored.
muteUrllibWarnings();

/** Three appends of 16 bytes each (maxAppendBytes): the 2nd is a middle one, the 3rd the last. */
const LINES = [1, 2, 3].map((n) => Buffer.from(`[${n}/3] step ${n} ok\n`));
const SOURCE = Buffer.concat(LINES);
/** What a resumed object holds before this call. */
const PREFIX = Buffer.from('[0/3] from an earlier run\n');
const RETRY = { attempts: 4, minDelayMs: 10, maxDelayMs: 20 };
/** A black hole's request gives up after this; every other request answers in a few ms. */
const BLACK_HOLE_TIMEOUT_MS = 1000;
const OPTIONS: AppendStreamOptions = {
  maxAppendBytes: LINES[0]!.length,
  flushIntervalMs: 10,
  retry: RETRY,
  // Long enough for a loaded machine, short enough that a lie that hangs fails the test before its time limit.
  requestTimeoutMs: 5000,
};

type Settled = { ok: true; value: AppendStreamResult } | { ok: false; error: Error & Record<string, unknown> };

function settle(promise: Promise<AppendStreamResult>): Promise<Settled> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: Error & Record<string, unknown>) => ({ ok: false, error }),
  );
}

function describeSettled(settled: Settled): string {
  return settled.ok ? `resolved ${JSON.stringify(settled.value)}` : `rejected: ${settled.error.name}: ${settled.error.message}`;
}

interface Setup {
  local: LocalOss;
  harness: ScriptedOss;
  /** The test's client, through the harness. */
  client: ReturnType<LocalOssKit['heartbeatClient']>;
  /** A client straight to the local server: the truth. */
  direct: ReturnType<LocalOssKit['heartbeatClient']>;
}

/** A local OSS (holding PREFIX when resuming), the harness in front of it, and a client of each. */
async function setUp(oss: LocalOssKit, resume = false): Promise<Setup> {
  const local = await oss.start();
  const direct = oss.heartbeatClient(local);
  if (resume) await direct.append(KEY, PREFIX);
  const harness = await startScriptedOss(local);
  oss.defer(() => harness.close());
  const client = oss.heartbeatClient(local, { endpoint: harness.endpoint });
  return { local, harness, client, direct };
}

/**
 * What appendStream reported is what the local server stored. Resolved: the object is `expected` (what it held
 * before, then every byte of the source), `position` its length, `crc64` the CRC-64 a direct HEAD returns.
 * Rejected: the error's account says how long the object is (its position, or its position plus the unconfirmed
 * bytes), the object is that much of `expected`, and the message has no NaN.
 */
async function expectHonest(settled: Settled, { local, direct }: Setup, expected: Buffer): Promise<void> {
  const stored = local.getObject(KEY) ?? Buffer.alloc(0);
  if (settled.ok) {
    expect(stored.toString()).toBe(expected.toString());
    expect(settled.value.position).toBe(expected.length);
    const { res } = await direct.head(KEY);
    expect(settled.value.crc64).toBe((res.headers as Record<string, string>)['x-oss-hash-crc64ecma']);
    return;
  }
  const account = appendAccountOf(settled.error);
  expect(account, describeSettled(settled)).toBeDefined();
  const { position, unconfirmedBytes, storedBytes } = account!;
  if (position === undefined) {
    // No answer from OSS gave the length: the account claims none, and nothing of this call's.
    expect(storedBytes + unconfirmedBytes).toBe(0);
    expect(settled.error.message).toContain("no answer from OSS gave the object's length");
  } else {
    const lengths = unconfirmedBytes > 0 ? [position, position + unconfirmedBytes] : [position];
    expect(lengths, describeSettled(settled)).toContain(stored.length);
  }
  expect(stored.toString()).toBe(expected.subarray(0, stored.length).toString());
  expect(settled.error.message).not.toContain('NaN');
}

type Outcome = 'resolves' | 'rejects' | 'either';

function expectOutcome(settled: Settled, outcome: Outcome): void {
  if (outcome === 'resolves') expect(describeSettled(settled)).toMatch(/^resolved/);
  if (outcome === 'rejects') expect(describeSettled(settled)).toMatch(/^rejected/);
}

/** Runs appendStream of SOURCE through the harness, its lies scripted first, and checks the result is honest. */
async function appendThroughLies(
  setup: Setup,
  rules: readonly LieRule[],
  { resume = false, blackHole = false }: { resume?: boolean; blackHole?: boolean } = {},
): Promise<{ settled: Settled; lies: ScriptedLie[] }> {
  const lies = rules.map((rule) => setup.harness.lie(rule));
  const settled = await settle(
    appendStream(setup.client, KEY, Readable.from(LINES), {
      ...OPTIONS,
      resume,
      ...(blackHole && { requestTimeoutMs: BLACK_HOLE_TIMEOUT_MS }),
    }),
  );
  await expectHonest(settled, setup, resume ? Buffer.concat([PREFIX, SOURCE]) : SOURCE);
  return { settled, lies };
}

const hangs = (lie: Lie): boolean => lie.kind === 'black-hole';

function garbage(headers: Partial<Record<GarbledHeader, string>>): [string, Lie] {
  const shown = Object.entries(headers)
    .map(([name, value]) => `${name}: ${JSON.stringify(value)}`)
    .join(', ');
  return [`garbage numbers (${shown})`, { kind: 'garbage-numbers', headers }];
}

/** Told once to an append. `either`: nothing says whether appendStream goes on (an HTML 404 to an append). */
const APPEND_LIES: [string, Lie, Outcome][] = [
  ['a bare 200, not applied', { kind: 'bare-200' }, 'resolves'],
  ['a bare 200, applied', { kind: 'bare-200', applied: true }, 'resolves'],
  ['an HTML 200 page, not applied', { kind: 'html-200' }, 'resolves'],
  ['an HTML 200 page, applied', { kind: 'html-200', applied: true }, 'resolves'],
  ['an HTML 404 page, not applied', { kind: 'html-404' }, 'either'],
  ['an HTML 502 page, not applied', { kind: 'html-502' }, 'resolves'],
  ['an HTML 502 page, applied', { kind: 'html-502', applied: true }, 'resolves'],
  ['a stale 409 PositionNotEqualToLength', { kind: 'stale-409' }, 'resolves'],
  ["OSS's RequestTimeout (400)", { kind: 'request-timeout-400' }, 'resolves'],
  ...[
    { 'x-oss-next-append-position': 'abc', 'x-oss-hash-crc64ecma': 'abc' },
    { 'x-oss-next-append-position': '12x' },
    { 'x-oss-next-append-position': '-1' },
    { 'x-oss-next-append-position': '' },
    { 'x-oss-hash-crc64ecma': '12x' },
    { 'x-oss-hash-crc64ecma': '-1' },
    { 'x-oss-hash-crc64ecma': '' },
  ].map((headers): [string, Lie, Outcome] => [...garbage(headers), 'resolves']),
  ['a black hole, not applied', { kind: 'black-hole' }, 'resolves'],
  ['a black hole, applied', { kind: 'black-hole', applied: true }, 'resolves'],
];

/** Told once to a HEAD: none is an answer about the object, so each must be asked again. */
const HEAD_LIES: [string, Lie][] = [
  ['a bare 200', { kind: 'bare-200' }],
  ['an HTML 200 page', { kind: 'html-200' }],
  ['an HTML 404 page (no x-oss-request-id)', { kind: 'html-404' }],
  ['an HTML 502 page', { kind: 'html-502' }],
  ['a stale 409', { kind: 'stale-409' }],
  ["OSS's RequestTimeout (400)", { kind: 'request-timeout-400' }],
  ...[
    { 'x-oss-next-append-position': 'abc', 'x-oss-hash-crc64ecma': 'abc' },
    { 'x-oss-next-append-position': '12x' },
    { 'x-oss-next-append-position': '-1' },
    { 'x-oss-next-append-position': '' },
    { 'x-oss-hash-crc64ecma': '' },
    // Node's HTTP parser refuses it: the client sees a broken answer, an unknown outcome too.
    { 'content-length': 'abc' },
  ].map(garbage),
  ['a black hole', { kind: 'black-hole' }],
];

/** Rows as [title, row]: Vitest shortens a `$name` to 40 characters, not a `%s`. */
function titled<Row extends { name: string }>(rows: readonly Row[]): (readonly [string, Row])[] {
  return rows.map((row) => [row.name, row] as const);
}

const WHERE = [
  ['the middle append', 2],
  ['the last append', 3],
] as const;

describe.concurrent('appendStream through a server that lies once to an append', () => {
  const cases = APPEND_LIES.flatMap(([lieName, lie, outcome]) =>
    WHERE.map(([where, nth]) => ({ name: `${where} answered ${lieName}: ${outcome}`, lie, nth, outcome })),
  );

  it.for(titled(cases))('%s, and what it reports is what OSS stored', async ([, { lie, nth, outcome }], { oss }) => {
    const setup = await setUp(oss);
    const {
      settled,
      lies: [told],
    } = await appendThroughLies(setup, [{ operation: 'append', nth, lie }], { blackHole: hangs(lie) });
    expect(told!.told).toBe(1);
    expectOutcome(settled, outcome);
  });
});

describe.concurrent('appendStream through a server that lies once to the HEAD that checks an append of unknown outcome', () => {
  // The unknown outcome: a proxy's 502 (a 5xx), or a bare 200 (not OSS's answer); the append landed or did not.
  const triggers: [string, Lie][] = [
    ['an HTML 502 after it landed', { kind: 'html-502', applied: true }],
    ['an HTML 502 before it landed', { kind: 'html-502' }],
    ['a bare 200 after it landed', { kind: 'bare-200', applied: true }],
    ['a bare 200 that never reached OSS', { kind: 'bare-200' }],
  ];
  const cases = HEAD_LIES.flatMap(([lieName, lie]) =>
    WHERE.flatMap(([where, nth]) =>
      triggers.map(([triggerName, trigger]) => ({ name: `${where} answered ${triggerName}, its HEAD ${lieName}`, lie, nth, trigger })),
    ),
  );

  it.for(titled(cases))('%s: resolves, and what it reports is what OSS stored', async ([, { lie, nth, trigger }], { oss }) => {
    const setup = await setUp(oss);
    const {
      settled,
      lies: [unknown, headLie],
    } = await appendThroughLies(
      setup,
      [
        { operation: 'append', nth, lie: trigger },
        // The first HEAD finds where to start; the second checks the append.
        { operation: 'head', nth: 2, lie },
      ],
      { blackHole: hangs(lie) },
    );
    expect(unknown!.told).toBe(1);
    expect(headLie!.told).toBe(1);
    expectOutcome(settled, 'resolves');
  });
});

describe.concurrent('appendStream through a server that lies once to its first HEAD', () => {
  const cases = HEAD_LIES.flatMap(([lieName, lie]) =>
    [false, true].map((resume) => ({ name: `${resume ? 'resuming an object' : 'a new object'}, ${lieName}`, lie, resume })),
  );

  it.for(titled(cases))('%s: resolves, and what it reports is what OSS stored', async ([, { lie, resume }], { oss }) => {
    const setup = await setUp(oss, resume);
    const {
      settled,
      lies: [told],
    } = await appendThroughLies(setup, [{ operation: 'head', nth: 1, lie }], { resume, blackHole: hangs(lie) });
    expect(told!.told).toBe(1);
    expectOutcome(settled, 'resolves');
  });
});

describe.concurrent('appendStream through a server that never stops lying', () => {
  interface NeverStops {
    name: string;
    operation: 'append' | 'head';
    lie: Lie;
    resume?: boolean;
    outcome: Outcome;
    /** The gave-up error's cause's code, where it is known. */
    causeCode?: string;
  }
  const NOT_OSS = 'ERR_NOT_OSS_ANSWER';
  const cases: NeverStops[] = [
    { name: 'every append a bare 200 that never reaches OSS', operation: 'append', lie: { kind: 'bare-200' }, outcome: 'rejects', causeCode: NOT_OSS },
    { name: 'every append an HTML 200 page that never reaches OSS', operation: 'append', lie: { kind: 'html-200' }, outcome: 'rejects', causeCode: NOT_OSS },
    { name: 'every append an HTML 502 page', operation: 'append', lie: { kind: 'html-502' }, outcome: 'rejects' },
    { name: "every append OSS's RequestTimeout", operation: 'append', lie: { kind: 'request-timeout-400' }, outcome: 'rejects', causeCode: 'RequestTimeout' },
    { name: 'every append a stale 409', operation: 'append', lie: { kind: 'stale-409' }, outcome: 'rejects' },
    { name: 'every HEAD a bare 200, for a new object', operation: 'head', lie: { kind: 'bare-200' }, outcome: 'rejects', causeCode: NOT_OSS },
    { name: 'every HEAD a bare 200, resuming', operation: 'head', lie: { kind: 'bare-200' }, resume: true, outcome: 'rejects', causeCode: NOT_OSS },
    { name: 'every HEAD an HTML 404 page, for a new object', operation: 'head', lie: { kind: 'html-404' }, outcome: 'rejects' },
    { name: 'every HEAD garbage numbers, resuming', operation: 'head', lie: { kind: 'garbage-numbers' }, resume: true, outcome: 'rejects', causeCode: NOT_OSS },
    // Each lands, and OSS's own HEAD can confirm it: whether appendStream goes on or gives up, it must not lie.
    { name: 'every append a bare 200 after it landed', operation: 'append', lie: { kind: 'bare-200', applied: true }, outcome: 'either' },
    { name: 'every append garbage numbers', operation: 'append', lie: { kind: 'garbage-numbers' }, outcome: 'either' },
  ];

  const rows = titled(cases.map((row) => ({ ...row, name: `${row.name}: ${row.outcome}` })));
  it.for(rows)('%s, and what it reports is what OSS stored', async ([, { operation, lie, resume, outcome, causeCode }], { oss }) => {
    const setup = await setUp(oss, resume);
    const {
      settled,
      lies: [told],
    } = await appendThroughLies(setup, [{ operation, nth: 'every', lie }], { resume });
    expect(told!.told).toBeGreaterThan(0);
    expectOutcome(settled, outcome);
    if (outcome !== 'rejects' || settled.ok) return;
    expect(settled.error).toMatchObject({ name: 'AppendGaveUpError', code: 'ERR_APPEND_GAVE_UP' });
    if (causeCode !== undefined) expect((settled.error.cause as { code?: unknown } | undefined)?.code).toBe(causeCode);
  });
});

describe.concurrent('appendStream aborted while a black hole holds its request', () => {
  const ABORT_AFTER_MS = 300;
  /** The abort is acted on at once, not once the request's timeout (700 ms later) has run out. */
  const SETTLES_WITHIN_MS = 1000;
  const cases = [
    { name: 'an append that never reached OSS', operation: 'append', lie: { kind: 'black-hole' } },
    { name: 'an append that landed', operation: 'append', lie: { kind: 'black-hole', applied: true } },
    { name: 'the very first HEAD', operation: 'head', lie: { kind: 'black-hole' } },
  ] as const;

  it.for(titled(cases))('%s: rejects with an AbortError within 1 s of the abort', async ([, { operation, lie }], { oss }) => {
    const setup = await setUp(oss);
    const { harness } = setup;
    // From the hang on, the server answers nothing at all.
    if (operation === 'append') {
      harness.lie({ operation: 'append', nth: 'every', lie });
      harness.lie({ operation: 'head', nth: { from: 2 }, lie: { kind: 'black-hole' } });
    } else {
      harness.lie({ operation: 'any', nth: 'every', lie });
    }
    const controller = new AbortController();
    // A build still running: the first line is out, the source stays open.
    const source = logSource();
    source.push(LINES[0]);
    let settledAt: number | undefined;
    const settling = settle(
      appendStream(setup.client, KEY, source, { ...OPTIONS, requestTimeoutMs: BLACK_HOLE_TIMEOUT_MS, signal: controller.signal }),
    ).then((settled) => {
      settledAt = performance.now();
      return settled;
    });

    const hanging = await harness.waitFor((request) => request.state === 'hanging');
    expect(hanging.operation).toBe(operation);
    await sleep(ABORT_AFTER_MS);
    expect(settledAt).toBeUndefined();
    const abortedAt = performance.now();
    controller.abort(new Error('build cancelled'));
    const settled = await settling;

    expect(settledAt! - abortedAt).toBeLessThan(SETTLES_WITHIN_MS);
    expect(describeSettled(settled)).toMatch(/^rejected: AbortError/);
    await expectHonest(settled, setup, LINES[0]!);
  });
});
