import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { HeartbeatReadable, withHeartbeat, type HeartbeatOptions, type HeartbeatSource } from '../../src/index.js';
import {
  createOssClient,
  putStreamWithHeartbeat,
  type OssClientOptions,
  type PutStreamWithHeartbeatOptions,
} from '../../src/oss/index.js';
import { startLocalOss, type LocalOssOptions } from '../../src/testing/index.js';
import { parseCommand, UsageError } from '../../src/cli/arguments.js';
import { rejectionOf } from '../support/settlement.js';

/*
 * Every input a caller controls, tried with wrong types, NaN, Infinity, negatives, zero, empty strings and
 * absurd sizes. Each row: [what, input, error class, message]. A string message is the whole message; the
 * first word of `what` (its last dotted part) is the name the message must carry. No error may ever show
 * a credential: every row's input that can carry one carries SECRET, and no error's inspect() shows it.
 */
type Row<Input> = [what: string, input: Input, errorClass: ErrorConstructor, message: string | RegExp];

const SECRET = 'S3CR3T-must-never-appear-in-an-error';
const SECRET_NUMBER = 31_415_926_535;
const MAX_TIMER_MS = 2 ** 31 - 1;

function expectClearError(error: unknown, [what, , errorClass, message]: Row<unknown>): void {
  expect(error).toBeInstanceOf(errorClass);
  const { message: actual } = error as Error;
  if (typeof message === 'string') expect(actual).toBe(message);
  else expect(actual).toMatch(message);
  expect(actual).toContain(what.split(' ')[0]!.split('.').at(-1));
  const shown = inspect(error, { depth: 10 });
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain(String(SECRET_NUMBER));
}

function thrownBy(make: () => unknown): unknown {
  let result: unknown;
  try {
    result = make();
  } catch (error) {
    return error;
  }
  (result as { destroy?(): void } | undefined)?.destroy?.();
  throw new Error(`expected a synchronous throw, got ${inspect(result, { depth: 0 })}`);
}

const positive = (name: string, shown: string): string => `${name} must be a positive finite number, got ${shown}`;
const atMost = (name: string, shown: string): string => `${name} must be at most ${MAX_TIMER_MS} ms, got ${shown}`;

// ---------------------------------------------------------------------------------------------------------
// HeartbeatOptions: new HeartbeatReadable(options) and withHeartbeat(source, options) throw at once.

const heartbeatOptionRows: Array<Row<unknown>> = [
  ['options a string', '60s', TypeError, 'options must be an object, got "60s"'],
  ['options a number', 60_000, TypeError, 'options must be an object, got 60000'],
  ['options null', null, TypeError, 'options must be an object, got null'],
  ['options an array', [{ idleLimitMs: 60_000 }], TypeError, 'options must be an object, got [ [Object] ]'],
  ['idleLimitMs a string', { idleLimitMs: '60000' }, TypeError, positive('idleLimitMs', '"60000"')],
  ['idleLimitMs a bigint', { idleLimitMs: 60_000n }, TypeError, positive('idleLimitMs', '60000n')],
  ['idleLimitMs null', { idleLimitMs: null }, TypeError, positive('idleLimitMs', 'null')],
  ['idleLimitMs NaN', { idleLimitMs: NaN }, RangeError, positive('idleLimitMs', 'NaN')],
  ['idleLimitMs Infinity', { idleLimitMs: Infinity }, RangeError, positive('idleLimitMs', 'Infinity')],
  ['idleLimitMs -Infinity', { idleLimitMs: -Infinity }, RangeError, positive('idleLimitMs', '-Infinity')],
  ['idleLimitMs negative', { idleLimitMs: -60_000 }, RangeError, positive('idleLimitMs', '-60000')],
  ['idleLimitMs zero', { idleLimitMs: 0 }, RangeError, positive('idleLimitMs', '0')],
  ['idleLimitMs negative zero', { idleLimitMs: -0 }, RangeError, positive('idleLimitMs', '-0')],
  ['idleLimitMs one past the longest timer', { idleLimitMs: MAX_TIMER_MS + 1 }, RangeError, atMost('idleLimitMs', '2147483648')],
  ['idleLimitMs absurd', { idleLimitMs: 1e300 }, RangeError, atMost('idleLimitMs', '1e+300')],
  ['heartbeatAfterMs a string', { heartbeatAfterMs: '30s' }, TypeError, positive('heartbeatAfterMs', '"30s"')],
  ['heartbeatAfterMs null', { heartbeatAfterMs: null }, TypeError, positive('heartbeatAfterMs', 'null')],
  ['heartbeatAfterMs NaN', { heartbeatAfterMs: NaN }, RangeError, positive('heartbeatAfterMs', 'NaN')],
  ['heartbeatAfterMs Infinity', { heartbeatAfterMs: Infinity }, RangeError, positive('heartbeatAfterMs', 'Infinity')],
  ['heartbeatAfterMs negative', { heartbeatAfterMs: -1 }, RangeError, positive('heartbeatAfterMs', '-1')],
  ['heartbeatAfterMs zero', { heartbeatAfterMs: 0 }, RangeError, positive('heartbeatAfterMs', '0')],
  ['heartbeatAfterMs absurd', { heartbeatAfterMs: 1e300 }, RangeError, atMost('heartbeatAfterMs', '1e+300')],
  ['heartbeatAfterMs equal to idleLimitMs', { idleLimitMs: 10_000, heartbeatAfterMs: 10_000 }, RangeError,
    'heartbeatAfterMs must be at most 9410 for idleLimitMs 10000 (the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms, must stay under idleLimitMs), got 10000'],
  ['idleLimitMs too short for any heartbeat', { idleLimitMs: 2 }, RangeError,
    'idleLimitMs must be more than 2 (the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms, is 2 ms at the least), got 2'],
  ['heartbeatAfterMs past the default idleLimitMs', { heartbeatAfterMs: 60_001 }, RangeError,
    'heartbeatAfterMs must be at most 56469 for idleLimitMs 60000 (the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms, must stay under idleLimitMs), got 60001'],
  ['filler a number', { filler: 32 }, TypeError, 'filler must be a string or Uint8Array, got 32'],
  ['filler null', { filler: null }, TypeError, 'filler must be a string or Uint8Array, got null'],
  ['filler an array of bytes', { filler: [0x20] }, TypeError, 'filler must be a string or Uint8Array, got [ 32 ]'],
  ['filler an ArrayBuffer', { filler: new ArrayBuffer(1) }, TypeError, /^filler must be a string or Uint8Array, got ArrayBuffer \{/],
  ['filler an empty string', { filler: '' }, RangeError, 'filler must not be empty, got ""'],
  ['filler empty bytes', { filler: new Uint8Array(0) }, RangeError, 'filler must not be empty, got Uint8Array(0) []'],
  ['filler not UTF-8', { filler: new Uint8Array([0xff]) }, RangeError,
    'filler must be valid UTF-8 when utf8Safe is true, got Uint8Array(1) [ 255 ]'],
  ['filler half a character', { filler: Buffer.from('构').subarray(0, 2) }, RangeError,
    'filler must be valid UTF-8 when utf8Safe is true, got <Buffer e6 9e>'],
  ['utf8Safe a string', { utf8Safe: 'false' }, TypeError, 'utf8Safe must be a boolean, got "false"'],
  ['utf8Safe a number', { utf8Safe: 0 }, TypeError, 'utf8Safe must be a boolean, got 0'],
  ['utf8Safe null', { utf8Safe: null }, TypeError, 'utf8Safe must be a boolean, got null'],
  ['timers a number', { timers: 5 }, TypeError, 'timers must be an object, got 5'],
  ['timers null', { timers: null }, TypeError, 'timers must be an object, got null'],
  ['timers an array', { timers: [] }, TypeError, 'timers must be an object, got []'],
  ['timers.setTimeout missing', { timers: {} }, TypeError, 'timers.setTimeout must be a function, got undefined'],
  ['timers.clearTimeout a string', { timers: { setTimeout, clearTimeout: 'clearTimeout', now: Date.now } }, TypeError,
    'timers.clearTimeout must be a function, got "clearTimeout"'],
  ['objectMode true', { objectMode: true }, TypeError, 'objectMode must be false: heartbeat fillers are bytes, got true'],
  ['objectMode 1', { objectMode: 1 }, TypeError, 'objectMode must be false: heartbeat fillers are bytes, got 1'],
  ['objectMode a string', { objectMode: 'yes' }, TypeError, 'objectMode must be false: heartbeat fillers are bytes, got "yes"'],
  ['filler a lone surrogate', { filler: '\uD800' }, RangeError,
    'filler must not contain a lone surrogate (it would be sent as U+FFFD), got "\\ud800"'],
];

describe('HeartbeatOptions: new HeartbeatReadable() and withHeartbeat() throw at once, naming the option', () => {
  it.each(heartbeatOptionRows)('%s', (...row) => {
    const options = row[1] as HeartbeatOptions;
    expectClearError(thrownBy(() => new HeartbeatReadable(options)), row);
    const source = Readable.from(['log']);
    expectClearError(thrownBy(() => withHeartbeat(source, options)), row);
    // Refused before anything was wired: the caller still owns an untouched source.
    expect(source.readableFlowing).toBe(null);
    expect(source.destroyed).toBe(false);
    source.destroy();
  });
});

// ---------------------------------------------------------------------------------------------------------
// createOssClient(options) throws at once. Every object row carries the credentials.

const credentials = { accessKeyId: 'LTAI-for-tests', accessKeySecret: SECRET, bucket: 'builds', endpoint: 'http://127.0.0.1:9' };

const createOssClientRows: Array<Row<unknown>> = [
  ['options undefined', undefined, TypeError, 'options must be an object, got undefined'],
  ['options null', null, TypeError, 'options must be an object, got null'],
  ['options a string', 'oss-cn-hangzhou', TypeError, 'options must be an object, got "oss-cn-hangzhou"'],
  // An array would print its elements: at depth 0 the credentials inside show as [Object].
  ['options an array holding the credentials', [credentials], TypeError, 'options must be an object, got [ [Object] ]'],
  ['maxUploadMs a string', { ...credentials, maxUploadMs: '2h' }, TypeError, positive('maxUploadMs', '"2h"')],
  ['maxUploadMs null', { ...credentials, maxUploadMs: null }, TypeError, positive('maxUploadMs', 'null')],
  ['maxUploadMs NaN', { ...credentials, maxUploadMs: NaN }, RangeError, positive('maxUploadMs', 'NaN')],
  ['maxUploadMs Infinity', { ...credentials, maxUploadMs: Infinity }, RangeError, positive('maxUploadMs', 'Infinity')],
  ['maxUploadMs negative', { ...credentials, maxUploadMs: -1 }, RangeError, positive('maxUploadMs', '-1')],
  ['maxUploadMs zero', { ...credentials, maxUploadMs: 0 }, RangeError, positive('maxUploadMs', '0')],
  ['maxUploadMs one past the longest timer', { ...credentials, maxUploadMs: MAX_TIMER_MS + 1 }, RangeError,
    atMost('maxUploadMs', '2147483648')],
  ['maxUploadMs absurd (a year)', { ...credentials, maxUploadMs: 365 * 24 * 3600 * 1000 }, RangeError,
    atMost('maxUploadMs', '31536000000')],
  ['freeSocketTimeoutMs a string', { ...credentials, freeSocketTimeoutMs: '4s' }, TypeError, positive('freeSocketTimeoutMs', '"4s"')],
  ['freeSocketTimeoutMs null', { ...credentials, freeSocketTimeoutMs: null }, TypeError, positive('freeSocketTimeoutMs', 'null')],
  ['freeSocketTimeoutMs NaN', { ...credentials, freeSocketTimeoutMs: NaN }, RangeError, positive('freeSocketTimeoutMs', 'NaN')],
  ['freeSocketTimeoutMs Infinity', { ...credentials, freeSocketTimeoutMs: Infinity }, RangeError,
    positive('freeSocketTimeoutMs', 'Infinity')],
  ['freeSocketTimeoutMs negative', { ...credentials, freeSocketTimeoutMs: -4000 }, RangeError, positive('freeSocketTimeoutMs', '-4000')],
  ['freeSocketTimeoutMs zero', { ...credentials, freeSocketTimeoutMs: 0 }, RangeError, positive('freeSocketTimeoutMs', '0')],
  ['freeSocketTimeoutMs absurd', { ...credentials, freeSocketTimeoutMs: 1e12 }, RangeError, atMost('freeSocketTimeoutMs', '1000000000000')],
  // Only the type of a credential is ever named, never its value.
  ['accessKeyId missing', { ...credentials, accessKeyId: undefined }, TypeError, 'accessKeyId must be a non-empty string, got undefined'],
  ['accessKeySecret a number', { ...credentials, accessKeySecret: SECRET_NUMBER }, TypeError,
    'accessKeySecret must be a non-empty string, got a number'],
  ['accessKeySecret a Buffer', { ...credentials, accessKeySecret: Buffer.from(SECRET) }, TypeError,
    'accessKeySecret must be a non-empty string, got an object'],
  ['accessKeySecret empty', { ...credentials, accessKeySecret: '' }, RangeError,
    'accessKeySecret must be a non-empty string, got an empty string'],
  ['stsToken a number', { ...credentials, stsToken: SECRET_NUMBER }, TypeError, 'stsToken must be a non-empty string, got a number'],
  ...(
    [
      ['a boolean', true, TypeError, 'true'],
      ['an object', { ms: 60_000 }, TypeError, '{ ms: 60000 }'],
      ['text ms cannot read', 'abc', RangeError, '"abc"'],
      ['an empty string', '', RangeError, '""'],
      ['negative', -1, RangeError, '-1'],
      ['a negative duration', '-5s', RangeError, '"-5s"'],
      ['zero', 0, RangeError, '0'],
      ['NaN', NaN, RangeError, 'NaN'],
      ['Infinity', Infinity, RangeError, 'Infinity'],
      ['holding the secret', SECRET, RangeError, 'a value that contains a credential'],
    ] as const
  ).map(([what, timeout, errorClass, shown]): Row<unknown> => [
    `timeout ${what}`,
    { ...credentials, timeout },
    errorClass,
    `timeout must be a positive duration: a number of ms or a string such as "60s", got ${shown}`,
  ]),
  ['timeout absurd (a century)', { ...credentials, timeout: '100y' }, RangeError, `timeout must be at most ${MAX_TIMER_MS} ms, got "100y"`],
  ['region a number', { ...credentials, region: 5 }, TypeError, 'region must be a string, got 5'],
  ['region with a slash', { ...credentials, region: 'cn/hangzhou' }, RangeError,
    'region must be a region id such as oss-cn-hangzhou: letters, digits, "-" and "_", got "cn/hangzhou"'],
  ['region the secret (variables swapped)', { ...credentials, region: SECRET }, RangeError,
    'region must not hold a credential (are two variables swapped?), got a value that contains a credential'],
  ['region the secret in capitals', { ...credentials, region: SECRET.toUpperCase() }, RangeError,
    'region must not hold a credential (are two variables swapped?), got a value that contains a credential'],
  ['endpoint a number', { ...credentials, endpoint: 9 }, TypeError, 'endpoint must be a string or a URL, got 9'],
  ['endpoint another scheme', { ...credentials, endpoint: 'ftp://127.0.0.1:9' }, RangeError,
    'endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query, got "ftp://127.0.0.1:9"'],
  ['endpoint with a path', { ...credentials, endpoint: 'http://127.0.0.1:9/builds' }, RangeError,
    'endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query, got "http://127.0.0.1:9/builds"'],
  ['endpoint with the secret as a password', { ...credentials, endpoint: `https://id:${SECRET}@oss.example.com` }, RangeError,
    'endpoint must not hold a credential (are two variables swapped?), got a value that contains a credential'],
  // A URL object is searched in full, though describeValue would shorten its href.
  ['endpoint a URL with the secret in its query', { ...credentials, endpoint: new URL(`https://oss.example.com/?token=${SECRET}`) },
    RangeError, 'endpoint must not hold a credential (are two variables swapped?), got a value that contains a credential'],
  // A user, password or query may hold a credential of another service: masked.
  ['endpoint with a user and password (shown masked)', { ...credentials, endpoint: 'https://user:pw@oss.example.com' }, RangeError,
    'endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query, got "https://***@oss.example.com/"'],
  ['endpoint with a query (shown masked)', { ...credentials, endpoint: 'https://oss.example.com/?security-token=abc' }, RangeError,
    'endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query, got "https://oss.example.com/?***"'],
  ['bucket a number', { ...credentials, bucket: 42 }, TypeError, 'bucket must be a string, got 42'],
  ['bucket with capitals', { ...credentials, bucket: 'Builds' }, RangeError,
    'bucket must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen, got "Builds"'],
  ['bucket the secret, lowercased by hand', { ...credentials, bucket: SECRET.toLowerCase() }, RangeError,
    'bucket must not hold a credential (are two variables swapped?), got a value that contains a credential'],
  ['secure a string', { ...credentials, secure: 'true' }, TypeError, 'secure must be a boolean, got "true"'],
  ['cname a number', { ...credentials, cname: 1 }, TypeError, 'cname must be a boolean, got 1'],
  ['internal null', { ...credentials, internal: null }, TypeError, 'internal must be a boolean, got null'],
  ['agent a number', { ...credentials, agent: 5 }, TypeError, 'agent must be an http.Agent, got 5'],
  ['agent its options instead', { ...credentials, agent: { keepAlive: true } }, TypeError,
    'agent must be an http.Agent, got { keepAlive: true }'],
  ['httpsAgent a string', { ...credentials, httpsAgent: 'keepalive' }, TypeError, 'httpsAgent must be an http.Agent, got "keepalive"'],
];

describe('createOssClient throws at once, naming the option', () => {
  it.each(createOssClientRows)('%s', (...row) => {
    expectClearError(thrownBy(() => createOssClient(row[1] as OssClientOptions)), row);
  });

  // Whatever ali-oss makes of a credential that is not a string, the value must never be shown.
  it.each<[string, unknown, string]>([
    ['a number', SECRET_NUMBER, String(SECRET_NUMBER)],
    ['an object', { secret: SECRET }, SECRET],
    ['an array', [SECRET], SECRET],
    ['a Buffer', Buffer.from(SECRET), Buffer.from(SECRET).toString('hex').slice(0, 16)],
  ])('never shows an accessKeySecret that is %s', (_what, accessKeySecret, shown) => {
    const error = thrownBy(() => createOssClient({ ...credentials, accessKeySecret } as unknown as OssClientOptions));
    expect(error).toBeInstanceOf(Error);
    expect(inspect(error, { depth: 10 })).not.toContain(shown);
    expect(inspect(error, { depth: 10 })).not.toContain(SECRET);
  });
});

// ---------------------------------------------------------------------------------------------------------
// putStreamWithHeartbeat(client, name, source, options) rejects before any request.

/** Passes the client check and, like a real client, holds its credentials; bad input must never reach putStream. */
const fakeClient = {
  options: { ...credentials },
  putStream: () => Promise.reject(new Error('bad input reached client.putStream')),
};

interface PutCall {
  client?: unknown;
  name?: unknown;
  source?: unknown;
  options?: unknown;
}

const putRows: Array<Row<PutCall>> = [
  ['client undefined', { client: undefined }, TypeError, 'client must be an ali-oss client, got undefined'],
  ['client null', { client: null }, TypeError, 'client must be an ali-oss client, got null'],
  ['client a string', { client: 'oss' }, TypeError, 'client must be an ali-oss client, got string'],
  ['name a number', { name: 42 }, TypeError, 'name must be a non-empty string, got 42'],
  ['name undefined', { name: undefined }, TypeError, 'name must be a non-empty string, got undefined'],
  ['name empty (a PUT to the bucket itself)', { name: '' }, RangeError,
    'name must be 1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters, got ""'],
  ['name with a leading slash', { name: '/logs/a.log' }, RangeError,
    'name must be 1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters, got "/logs/a.log"'],
  ['name absurdly long', { name: 'x'.repeat(2000) }, RangeError,
    `name must be 1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters, got "${'x'.repeat(60)}"... (2000 characters)`],
  ['name with a ".." segment (SignatureDoesNotMatch after signing)', { name: 'logs/../build.log' }, RangeError,
    'name must be free of "." and ".." path segments (the request URL would resolve them after signing, and OSS would answer SignatureDoesNotMatch), got "logs/../build.log"'],
  ['name with a "." segment', { name: 'a/./b' }, RangeError, 'name must be free of "." and ".." path segments (the request URL would resolve them after signing, and OSS would answer SignatureDoesNotMatch), got "a/./b"'],
  // The options meant for createOssClient, passed by mistake: only their type is shown, not the secret.
  ['client its options object', { client: { ...credentials } }, TypeError, 'client must be an ali-oss client, got object'],
  ['client whose putStream is not a function', { client: { ...fakeClient, putStream: 'yes' } }, TypeError,
    'client must be an ali-oss client, got object'],
  ['source undefined', { source: undefined }, TypeError,
    'source must be a Node.js Readable, an async iterable or a ReadableStream, got undefined'],
  ['source null', { source: null }, TypeError, 'source must be a Node.js Readable, an async iterable or a ReadableStream, got null'],
  ['source a string', { source: 'log text' }, TypeError,
    'source must be a Node.js Readable, an async iterable or a ReadableStream, got "log text"'],
  ['source a Buffer', { source: Buffer.from('log') }, TypeError,
    'source must be a Node.js Readable, an async iterable or a ReadableStream, got <Buffer 6c 6f 67>'],
  ['source a sync iterable', { source: ['log'] }, TypeError,
    "source must be a Node.js Readable, an async iterable or a ReadableStream, got [ 'log' ]"],
  ['options null', { options: null }, TypeError, 'options must be an object, got null'],
  ['options a string', { options: 'text/plain' }, TypeError, 'options must be an object, got "text/plain"'],
  ['options an array', { options: [] }, TypeError, 'options must be an object, got []'],
  ['heartbeat null', { options: { heartbeat: null } }, TypeError, 'heartbeat must be an object, got null'],
  ['heartbeat a number', { options: { heartbeat: 30_000 } }, TypeError, 'heartbeat must be an object, got 30000'],
  ['heartbeat.idleLimitMs NaN', { options: { heartbeat: { idleLimitMs: NaN } } }, RangeError, positive('idleLimitMs', 'NaN')],
  ['heartbeat.heartbeatAfterMs the OSS idle limit', { options: { heartbeat: { heartbeatAfterMs: 60_000 } } }, RangeError,
    'heartbeatAfterMs must be at most 56469 for idleLimitMs 60000 (the longest gap, ceil(heartbeatAfterMs) + ceil(heartbeatAfterMs / 16) ms, must stay under idleLimitMs), got 60000'],
  ['heartbeat.filler empty', { options: { heartbeat: { filler: '' } } }, RangeError, 'filler must not be empty, got ""'],
  ['heartbeat.objectMode true', { options: { heartbeat: { objectMode: true } } }, TypeError,
    'objectMode must be false: heartbeat fillers are bytes, got true'],
  // Not read, so no clock runs: nothing to clean up if the row is skipped.
  ['heartbeat given for a HeartbeatReadable source', { source: new HeartbeatReadable(), options: { heartbeat: {} } }, TypeError,
    'heartbeat options must be set where the HeartbeatReadable source was created, got both'],
  ['signal a string', { options: { signal: 'abort' } }, TypeError, 'signal must be an AbortSignal, got "abort"'],
  ['signal null', { options: { signal: null } }, TypeError, 'signal must be an AbortSignal, got null'],
  ['signal an AbortController', { options: { signal: new AbortController() } }, TypeError,
    /^signal must be an AbortSignal, got AbortController\b/],
  ['signal a look-alike', { options: { signal: { aborted: false, addEventListener() {} } } }, TypeError,
    /^signal must be an AbortSignal, got \{ aborted: false, addEventListener: \[Function: addEventListener\] \}$/],
  ...(
    [
      ['a length', 1024, '1024'],
      ['zero', 0, '0'],
      ['negative', -1, '-1'],
      ['NaN', NaN, 'NaN'],
      ['Infinity', Infinity, 'Infinity'],
      ['a string', '1024', '"1024"'],
      ['null', null, 'null'],
    ] as const
  ).map(([what, contentLength, shown]): Row<PutCall> => [
    `contentLength ${what}`,
    { options: { contentLength } },
    TypeError,
    `contentLength must be left out: fillers change the length, so the body is sent chunked, got ${shown}`,
  ]),
  ['headers a string', { options: { headers: 'Content-Length: 5' } }, TypeError, 'headers must be an object, got "Content-Length: 5"'],
  // HTTP header names are case-insensitive: every spelling gets around ali-oss's chunked encoding.
  ...(['Content-Length', 'content-length', 'CONTENT-LENGTH'] as const).map((header): Row<PutCall> => [
    `headers.${header} set`,
    { options: { headers: { [header]: 1024 } } },
    TypeError,
    `headers["${header}"] must be left out: fillers change the length, so the body is sent chunked, got 1024`,
  ]),
];

describe('putStreamWithHeartbeat rejects before any request, naming the argument or option', () => {
  it.each(putRows)('%s', async (...row) => {
    const call = row[1];
    const source = 'source' in call ? call.source : Readable.from(['log']);
    const error = await rejectionOf(
      putStreamWithHeartbeat(
        ('client' in call ? call.client : fakeClient) as OSS,
        ('name' in call ? call.name : 'logs/build.log') as string,
        source as HeartbeatSource,
        call.options as PutStreamWithHeartbeatOptions,
      ),
    );
    expectClearError(error, row);
    if (source instanceof Readable) {
      // Refused before anything was wired: the caller still owns an untouched source.
      expect(source.readableFlowing).toBe(null);
      expect(source.destroyed).toBe(false);
      source.destroy();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// startLocalOss(options) rejects before listening. Every object row carries a secret.

const localBase = { accessKeySecret: SECRET };

const localOssRows: Array<Row<unknown>> = [
  ['options a string', 'fast', TypeError, 'options must be an object, got "fast"'],
  ['options null', null, TypeError, 'options must be an object, got null'],
  ['idleLimitMs a string', { ...localBase, idleLimitMs: '60s' }, TypeError, positive('idleLimitMs', '"60s"')],
  ['idleLimitMs NaN', { ...localBase, idleLimitMs: NaN }, RangeError, positive('idleLimitMs', 'NaN')],
  ['idleLimitMs Infinity', { ...localBase, idleLimitMs: Infinity }, RangeError, positive('idleLimitMs', 'Infinity')],
  ['idleLimitMs negative', { ...localBase, idleLimitMs: -1 }, RangeError, positive('idleLimitMs', '-1')],
  ['idleLimitMs zero', { ...localBase, idleLimitMs: 0 }, RangeError, positive('idleLimitMs', '0')],
  ['idleLimitMs absurd', { ...localBase, idleLimitMs: 1e15 }, RangeError, atMost('idleLimitMs', '1000000000000000')],
  ['bucket a number', { ...localBase, bucket: 42 }, TypeError, 'bucket must be a string, got 42'],
  ['bucket too short', { ...localBase, bucket: 'ab' }, RangeError, /^bucket must be 3-63 .*, got "ab"$/],
  ['bucket empty', { ...localBase, bucket: '' }, RangeError,
    'bucket must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen, got ""'],
  ['bucket ending in a hyphen', { ...localBase, bucket: 'logs-' }, RangeError, /^bucket must be 3-63 .*, got "logs-"$/],
  ['bucket with an underscore', { ...localBase, bucket: 'build_logs' }, RangeError, /^bucket must be 3-63 .*, got "build_logs"$/],
  ['bucket absurdly long', { ...localBase, bucket: 'b'.repeat(1000) }, RangeError, /^bucket must be 3-63 .*, got "bbbb/],
  ['accessKeyId a number', { ...localBase, accessKeyId: 42 }, TypeError, 'accessKeyId must be a non-empty string, got a number'],
  ['accessKeyId empty', { ...localBase, accessKeyId: '' }, RangeError, 'accessKeyId must be a non-empty string, got an empty string'],
  // Only the type of a credential is ever named, never its value.
  ['accessKeySecret a number', { accessKeySecret: SECRET_NUMBER }, TypeError,
    'accessKeySecret must be a non-empty string, got a number'],
  ['accessKeySecret an object', { accessKeySecret: { value: SECRET } }, TypeError,
    'accessKeySecret must be a non-empty string, got an object'],
  ['accessKeySecret an array', { accessKeySecret: [SECRET] }, TypeError, 'accessKeySecret must be a non-empty string, got an array'],
  ['accessKeySecret null', { accessKeySecret: null }, TypeError, 'accessKeySecret must be a non-empty string, got null'],
  ['accessKeySecret empty', { accessKeySecret: '' }, RangeError, 'accessKeySecret must be a non-empty string, got an empty string'],
  ['host a number', { ...localBase, host: 127 }, TypeError, 'host must be a non-empty string, got 127'],
  ['host null', { ...localBase, host: null }, TypeError, 'host must be a non-empty string, got null'],
  ['host empty', { ...localBase, host: '' }, RangeError, 'host must be a non-empty string, got ""'],
  ['port a string', { ...localBase, port: '8080' }, TypeError, 'port must be an integer from 0 to 65535, got "8080"'],
  ['port NaN', { ...localBase, port: NaN }, RangeError, 'port must be an integer from 0 to 65535, got NaN'],
  ['port Infinity', { ...localBase, port: Infinity }, RangeError, 'port must be an integer from 0 to 65535, got Infinity'],
  ['port negative', { ...localBase, port: -1 }, RangeError, 'port must be an integer from 0 to 65535, got -1'],
  ['port a fraction', { ...localBase, port: 80.5 }, RangeError, 'port must be an integer from 0 to 65535, got 80.5'],
  ['port absurd', { ...localBase, port: 1e9 }, RangeError, 'port must be an integer from 0 to 65535, got 1000000000'],
  ['port one past the last', { ...localBase, port: 65_536 }, RangeError, 'port must be an integer from 0 to 65535, got 65536'],
  ['maxBodyBytes a string', { ...localBase, maxBodyBytes: '1MB' }, TypeError, 'maxBodyBytes must be an integer of at least 1, got "1MB"'],
  ['maxBodyBytes zero', { ...localBase, maxBodyBytes: 0 }, RangeError, 'maxBodyBytes must be an integer of at least 1, got 0'],
  ['maxObjectBytes a string', { ...localBase, maxObjectBytes: '5GB' }, TypeError, 'maxObjectBytes must be an integer of at least 1, got "5GB"'],
  ['maxObjectBytes a fraction', { ...localBase, maxObjectBytes: 1.5 }, RangeError, 'maxObjectBytes must be an integer of at least 1, got 1.5'],
  ['maxClockSkewMs a string', { ...localBase, maxClockSkewMs: '15m' }, TypeError, positive('maxClockSkewMs', '"15m"')],
  ['maxClockSkewMs negative', { ...localBase, maxClockSkewMs: -1 }, RangeError, positive('maxClockSkewMs', '-1')],
  ['now a number', { ...localBase, now: 1_700_000_000_000 }, TypeError, 'now must be a function, got 1700000000000'],
];

describe('startLocalOss rejects before listening, naming the option', () => {
  it.each(localOssRows)('%s', async (...row) => {
    expectClearError(await rejectionOf(startLocalOss(row[1] as LocalOssOptions)), row);
  });
});

// ---------------------------------------------------------------------------------------------------------
// heartbeat-put: a usage error (exit 2, see test/cli/heartbeat-put.test.ts) in one line naming the flag.
// Only what that file does not already cover; parsed in this process, as the command parses them.

type CliRow = [what: string, argv: string[], message: string | RegExp];

const CLI_SECRET = 'cli-secret-that-must-never-print';
// A complete environment, so the flag under test is the only mistake.
const cliEnv = {
  OSS_ACCESS_KEY_ID: 'LTAI-for-tests',
  OSS_ACCESS_KEY_SECRET: CLI_SECRET,
  OSS_BUCKET: 'builds',
  OSS_ENDPOINT: 'http://127.0.0.1:9',
};
const notADuration = (flag: string, text: string): string =>
  `${flag} must be a positive duration such as 60000, 60s or 1m, got ${JSON.stringify(text)}`;
const notASize = (flag: string, text: string): string =>
  `${flag} must be a whole number of bytes such as 1048576, 512KiB or 1MiB, got ${JSON.stringify(text)}`;
const badKey = (shown: string): string =>
  `<object-key> must be 1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters, got ${shown}`;
const badEndpoint = (shown: string): string =>
  `--endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query, got ${shown}`;
const badBucket = (name: string, shown: string): string =>
  `${name} must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen, got ${shown}`;

const cliRows: CliRow[] = [
  ['--idle-limit NaN', ['--idle-limit', 'NaN', 'k'], notADuration('--idle-limit', 'NaN')],
  ['--idle-limit Infinity', ['--idle-limit', 'Infinity', 'k'], notADuration('--idle-limit', 'Infinity')],
  ['--idle-limit negative', ['--idle-limit=-1', 'k'],
    '--idle-limit must be a positive finite number, got -1'],
  ['--idle-limit empty', ['--idle-limit', '', 'k'], notADuration('--idle-limit', '')],
  ['--idle-limit absurd', ['--idle-limit', '1000y', 'k'],
    '--idle-limit must be at most 2147483647 ms, got 31557600000000'],
  ['--idle-limit one past the longest timer', ['--idle-limit', '2147483648', 'k'],
    '--idle-limit must be at most 2147483647 ms, got 2147483648'],
  ['--heartbeat-after NaN', ['--heartbeat-after', 'NaN', 'k'], notADuration('--heartbeat-after', 'NaN')],
  ['--heartbeat-after Infinity', ['--heartbeat-after', 'Infinity', 'k'], notADuration('--heartbeat-after', 'Infinity')],
  ['--heartbeat-after zero', ['--heartbeat-after', '0', 'k'],
    '--heartbeat-after must be a positive finite number, got 0'],
  ['--heartbeat-after negative', ['--heartbeat-after=-30s', 'k'],
    '--heartbeat-after must be a positive finite number, got -30000'],
  ['--heartbeat-after empty', ['--heartbeat-after', '', 'k'], notADuration('--heartbeat-after', '')],
  ['--heartbeat-after absurd', ['--heartbeat-after', '1000y', 'k'],
    '--heartbeat-after must be at most 2147483647 ms, got 31557600000000'],
  ['--heartbeat-after equal to --idle-limit', ['--idle-limit', '1m', '--heartbeat-after', '60000', 'k'],
    '--heartbeat-after must be at most 56469 for --idle-limit 60000 (the longest gap, ceil(--heartbeat-after) + ceil(--heartbeat-after / 16) ms, must stay under --idle-limit), got 60000'],
  ['--heartbeat-after equal to the default idle limit', ['--heartbeat-after', '60s', 'k'],
    '--heartbeat-after must be at most 56469 for --idle-limit 60000 (the longest gap, ceil(--heartbeat-after) + ceil(--heartbeat-after / 16) ms, must stay under --idle-limit), got 60000'],
  ['--heartbeat-after one past the bound', ['--heartbeat-after', '56470', 'k'],
    '--heartbeat-after must be at most 56469 for --idle-limit 60000 (the longest gap, ceil(--heartbeat-after) + ceil(--heartbeat-after / 16) ms, must stay under --idle-limit), got 56470'],
  ['--max-upload NaN', ['--max-upload', 'NaN', 'k'], notADuration('--max-upload', 'NaN')],
  ['--max-upload Infinity', ['--max-upload', 'Infinity', 'k'], notADuration('--max-upload', 'Infinity')],
  ['--max-upload zero', ['--max-upload', '0', 'k'],
    '--max-upload must be a positive finite number, got 0'],
  ['--max-upload empty', ['--max-upload', '', 'k'], notADuration('--max-upload', '')],
  ['--max-upload past the longest timer', ['--max-upload', '25d', 'k'],
    '--max-upload must be at most 2147483647 ms, got 2160000000'],
  ['--filler without its value', ['k', '--filler'], /^Option '--filler <value>' argument missing$/],
  ['--filler a lone surrogate', ['--filler', '\uD800', 'k'],
    '--filler must not contain a lone surrogate (it would be sent as U+FFFD), got "\\ud800"'],
  ['--content-type empty', ['--content-type', '', 'k'],
    '--content-type must be a non-empty string such as "text/plain; charset=utf-8" with no control characters, got ""'],
  ['--content-type two lines (a header injection)', ['--content-type', 'text/plain\nX-Evil: 1', 'k'],
    '--content-type must be a non-empty string such as "text/plain; charset=utf-8" with no control characters, got "text/plain\\nX-Evil: 1"'],
  ['--bucket empty', ['--bucket', '', 'k'], '--bucket must not be empty'],
  ['--bucket with capitals', ['--bucket', 'Build_Logs', 'k'], badBucket('--bucket', '"Build_Logs"')],
  ['--bucket too short', ['--bucket', 'a', 'k'], badBucket('--bucket', '"a"')],
  // A value from the environment is never shown: swapped CI variables put secrets there.
  ['OSS_BUCKET with capitals (named as the variable, its value not shown)', ['k'],
    badBucket('OSS_BUCKET', 'a value that is not shown (it comes from the environment)')],
  ['--endpoint empty', ['--endpoint', '', 'k'], '--endpoint must not be empty'],
  ['--endpoint not a URL', ['--endpoint', 'not a url', 'k'], badEndpoint('"not a url"')],
  ['--endpoint another scheme', ['--endpoint', 'ftp://oss.example.com', 'k'], badEndpoint('"ftp://oss.example.com"')],
  ['--endpoint with a user and password (shown masked)', ['--endpoint', 'https://id:pa55@oss.example.com', 'k'],
    badEndpoint('"https://***@oss.example.com/"')],
  ['--endpoint with a query (shown masked)', ['--endpoint', 'https://oss.example.com/?security-token=abc', 'k'],
    badEndpoint('"https://oss.example.com/?***"')],
  ['--region empty', ['--region', '', 'k'], '--region must not be empty'],
  ['--region with a slash', ['--region', 'cn/hangzhou', 'k'],
    '--region must be a region id such as oss-cn-hangzhou: letters, digits, "-" and "_", got "cn/hangzhou"'],
  ['<object-key> empty', [''], badKey('""')],
  ['<object-key> with a backslash first', ['\\logs\\a.log'], badKey('"\\\\logs\\\\a.log"')],
  ['<object-key> with a newline', ['logs/a\nb.log'], badKey('"logs/a\\nb.log"')],
  ['<object-key> absurdly long', ['k'.repeat(1024)], badKey(`"${'k'.repeat(60)}"... (1024 characters)`)],
  ['--tee with a value', ['--tee=yes', 'k'], /^Option '--tee' does not take an argument$/],
  ['--local with a value', ['--local=1', 'k'], /^Option '--local' does not take an argument$/],
  ['--append with a value', ['--append=yes', 'k'], /^Option '--append' does not take an argument$/],
  ['--resume with a value', ['--append', '--resume=1', 'k'], /^Option '--resume' does not take an argument$/],
  ['--flush-interval zero', ['--append', '--flush-interval', '0', 'k'],
    '--flush-interval must be a positive finite number, got 0'],
  ['--flush-interval NaN', ['--append', '--flush-interval', 'NaN', 'k'], notADuration('--flush-interval', 'NaN')],
  ['--flush-interval past the longest timer', ['--append', '--flush-interval', '25d', 'k'],
    '--flush-interval must be at most 2147483647 ms, got 2160000000'],
  ['--retry-for negative', ['--append', '--retry-for=-1m', 'k'],
    '--retry-for must be a positive finite number, got -60000'],
  ['--retry-for empty', ['--append', '--retry-for', '', 'k'], notADuration('--retry-for', '')],
  ['--max-append in decimal units (ambiguous)', ['--append', '--max-append', '1MB', 'k'], notASize('--max-append', '1MB')],
  ['--max-append zero', ['--append', '--max-append', '0', 'k'],
    '--max-append must be an integer from 1 to 4294967296, got 0'],
  ['--max-append negative', ['--append', '--max-append=-1KiB', 'k'], notASize('--max-append', '-1KiB')],
  ['--max-append not whole bytes', ['--append', '--max-append', '0.1KiB', 'k'], notASize('--max-append', '0.1KiB')],
  ['--max-append empty', ['--append', '--max-append', '', 'k'], notASize('--max-append', '')],
  ['--max-append with a space', ['--append', '--max-append', '1 MiB', 'k'], notASize('--max-append', '1 MiB')],
  ['--max-append in lowercase units', ['--append', '--max-append', '1mib', 'k'], notASize('--max-append', '1mib')],
  ['--max-append Infinity', ['--append', '--max-append', 'Infinity', 'k'], notASize('--max-append', 'Infinity')],
  // The largest Buffer (4GiB on Node 20) or the 5GiB an appendable object may hold.
  ['--max-append past the largest append', ['--append', '--max-append', '6GiB', 'k'],
    '--max-append must be an integer from 1 to 4294967296, got 6442450944'],
  ['--max-buffered past the safe integers', ['--append', '--max-buffered', '9007199254740993', 'k'],
    notASize('--max-buffered', '9007199254740993')],
  ['--max-buffered below the default --max-append', ['--append', '--max-buffered', '512KiB', 'k'],
    '--max-buffered must be an integer of at least 1048576, got 524288'],
];

describe('heartbeat-put: bad flags are usage errors in one line naming the flag', () => {
  it.each(cliRows)('%s', (what, argv, message) => {
    const env = what.startsWith('OSS_BUCKET') ? { ...cliEnv, OSS_BUCKET: 'Logs' } : cliEnv;
    const error = thrownBy(() => parseCommand(argv, env)) as Error;
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).not.toContain('\n');
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(error.message).toContain(what.split(' ')[0]);
    expect(inspect(error)).not.toContain(CLI_SECRET);
  });
});
