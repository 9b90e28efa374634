import { constants } from 'node:buffer';
import type OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { appendStream, type AppendStreamOptions } from '../../../src/oss/index.js';
import { fakeOss } from '../../support/fake-oss.js';
import { KEY } from './helpers.js';
import { logSource } from '../../support/sources.js';

type Row = [what: string, options: unknown, errorClass: ErrorConstructor, message: string];

const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_APPEND = Math.min(constants.MAX_LENGTH, 5 * 2 ** 30);
const positive = (name: string, shown: string): string => `${name} must be a positive finite number, got ${shown}`;
const integer = (name: string, min: number, max: number, shown: string): string =>
  `${name} must be an integer from ${min} to ${max}, got ${shown}`;
const atLeast = (name: string, min: number, shown: string): string => `${name} must be an integer of at least ${min}, got ${shown}`;
const MIME_RULE = 'mime must be a non-empty string such as "text/plain; charset=utf-8"';
const leftOut = (header: string, why: string, shown: string): string => `headers["${header}"] must be left out: ${why}, got ${shown}`;

const rows: Row[] = [
  ['options a string', '1s', TypeError, 'options must be an object, got "1s"'],
  ['options null', null, TypeError, 'options must be an object, got null'],
  ['maxAppendBytes a string', { maxAppendBytes: '1MiB' }, TypeError, integer('maxAppendBytes', 1, MAX_APPEND, '"1MiB"')],
  ['maxAppendBytes zero', { maxAppendBytes: 0 }, RangeError, integer('maxAppendBytes', 1, MAX_APPEND, '0')],
  ['maxAppendBytes a fraction', { maxAppendBytes: 1.5 }, RangeError, integer('maxAppendBytes', 1, MAX_APPEND, '1.5')],
  ['maxAppendBytes NaN', { maxAppendBytes: NaN }, RangeError, integer('maxAppendBytes', 1, MAX_APPEND, 'NaN')],
  ['maxAppendBytes Infinity', { maxAppendBytes: Infinity }, RangeError, integer('maxAppendBytes', 1, MAX_APPEND, 'Infinity')],
  ['maxAppendBytes above 5 GiB', { maxAppendBytes: 6 * 2 ** 30 }, RangeError, integer('maxAppendBytes', 1, MAX_APPEND, '6442450944')],
  ['flushIntervalMs zero', { flushIntervalMs: 0 }, RangeError, positive('flushIntervalMs', '0')],
  ['flushIntervalMs negative', { flushIntervalMs: -1 }, RangeError, positive('flushIntervalMs', '-1')],
  ['flushIntervalMs a string', { flushIntervalMs: '1s' }, TypeError, positive('flushIntervalMs', '"1s"')],
  ['flushIntervalMs past the longest timer', { flushIntervalMs: MAX_TIMER_MS + 1 }, RangeError, `flushIntervalMs must be at most ${MAX_TIMER_MS} ms, got 2147483648`],
  ['maxBufferedBytes below maxAppendBytes', { maxAppendBytes: 1024, maxBufferedBytes: 1023 }, RangeError, atLeast('maxBufferedBytes', 1024, '1023')],
  ['maxBufferedBytes below the default maxAppendBytes', { maxBufferedBytes: 1000 }, RangeError, atLeast('maxBufferedBytes', 2 ** 20, '1000')],
  ['maxBufferedBytes null', { maxBufferedBytes: null }, TypeError, atLeast('maxBufferedBytes', 2 ** 20, 'null')],
  ['requestTimeoutMs NaN', { requestTimeoutMs: NaN }, RangeError, positive('requestTimeoutMs', 'NaN')],
  ['retry a number', { retry: 3 }, TypeError, 'retry must be an object, got 3'],
  ['retry.attempts zero', { retry: { attempts: 0 } }, RangeError, atLeast('retry.attempts', 1, '0')],
  ['retry.attempts a string', { retry: { attempts: '3' } }, TypeError, atLeast('retry.attempts', 1, '"3"')],
  ['retry.maxElapsedMs zero', { retry: { maxElapsedMs: 0 } }, RangeError, positive('retry.maxElapsedMs', '0')],
  ['retry.minDelayMs negative', { retry: { minDelayMs: -5 } }, RangeError, positive('retry.minDelayMs', '-5')],
  ['retry.maxDelayMs Infinity', { retry: { maxDelayMs: Infinity } }, RangeError, positive('retry.maxDelayMs', 'Infinity')],
  ['retry.maxDelayMs below minDelayMs', { retry: { minDelayMs: 500, maxDelayMs: 100 } }, RangeError, 'retry.maxDelayMs must be at least retry.minDelayMs (500), got 100'],
  ['resume a string', { resume: 'yes' }, TypeError, 'resume must be a boolean or an object such as { at: 1024 }, got "yes"'],
  ['resume.at a string', { resume: { at: '12' } }, TypeError, 'resume.at must be an integer from 0 to 5368709120, got "12"'],
  ['resume.reopen a string', { resume: { reopen: 'yes' } }, TypeError, 'resume.reopen must be a boolean, got "yes"'],
  ['markComplete a string', { markComplete: 'no' }, TypeError, 'markComplete must be a boolean, got "no"'],
  ['resume.at negative', { resume: { at: -1 } }, RangeError, 'resume.at must be an integer from 0 to 5368709120, got -1'],
  ['resume.at a fraction', { resume: { at: 1.5 } }, RangeError, 'resume.at must be an integer from 0 to 5368709120, got 1.5'],
  ['resume null', { resume: null }, TypeError, 'resume must be a boolean or an object such as { at: 1024 }, got null'],
  ['signal a controller', { signal: new AbortController() }, TypeError, 'signal must be an AbortSignal, got AbortController [Object]'],
  ['mime a number', { mime: 42 }, TypeError, `${MIME_RULE}, got 42`],
  ['mime empty', { mime: '' }, RangeError, `${MIME_RULE} with no control characters, got ""`],
  ['mime with a line break', { mime: 'text/plain\r\nX-Injected: 1' }, RangeError, `${MIME_RULE} with no control characters, got "text/plain\\r\\nX-Injected: 1"`],
  ['headers a string', { headers: 'x-oss-meta-a: 1' }, TypeError, 'headers must be an object, got "x-oss-meta-a: 1"'],
  ['headers with Content-Length', { headers: { 'Content-Length': '5' } }, TypeError, leftOut('Content-Length', 'appendStream sets it for each append', '"5"')],
  ['headers with content-md5', { headers: { 'content-md5': 'x' } }, TypeError, leftOut('content-md5', 'appendStream sets it for each append', '"x"')],
  ['headers with Transfer-Encoding', { headers: { 'Transfer-Encoding': 'chunked' } }, TypeError, leftOut('Transfer-Encoding', 'appendStream sends each append with its length', '"chunked"')],
  ['headers with Content-Type', { headers: { 'Content-Type': 'text/plain' } }, TypeError, leftOut('Content-Type', 'pass the type as mime', '"text/plain"')],
  ['headers with a name that is no HTTP token', { headers: { 'x-oss-meta-build id': '42' } }, RangeError, 'headers names must be HTTP tokens, got "x-oss-meta-build id"'],
  ['headers with a number', { headers: { 'x-oss-meta-build': 42 } }, TypeError, 'headers["x-oss-meta-build"] must be a string, got 42'],
  ['headers with a line break', { headers: { 'x-oss-meta-build': '42\nX: 1' } }, RangeError, 'headers["x-oss-meta-build"] must hold no control characters and nothing past Latin-1, got "42\\nX: 1"'],
  ['onProgress a string', { onProgress: 'log' }, TypeError, 'onProgress must be a function, got "log"'],
];

describe('appendStream rejects bad input before any request, naming the argument or option and the value', () => {
  it.each(rows)('%s', async (_what, options, errorClass, message) => {
    const fake = fakeOss();
    const result = appendStream(fake.client, KEY, logSource(), options as AppendStreamOptions);
    await expect(result).rejects.toBeInstanceOf(errorClass);
    await expect(result).rejects.toMatchObject({ message });
    expect(fake.requests).toEqual([]);
  });

  it.each([
    ['client an options object', { accessKeySecret: 'S3CR3T' }, KEY, logSource(), TypeError, 'client must be an ali-oss client, got object'],
    ['client null', null, KEY, logSource(), TypeError, 'client must be an ali-oss client, got null'],
    ['name empty', fakeOss().client, '', logSource(), RangeError, /^name must be 1 to 1023 bytes/],
    ['name a number', fakeOss().client, 42, logSource(), TypeError, 'name must be a non-empty string, got 42'],
    ['source a string', fakeOss().client, KEY, 'log text', TypeError, /^source must be a Node.js Readable, an async iterable or a ReadableStream, got "log text"$/],
  ])('%s', async (_what, client, name, source, errorClass, message) => {
    const result = appendStream(client as OSS, name as string, source as never);
    await expect(result).rejects.toBeInstanceOf(errorClass);
    await expect(result).rejects.toThrow(message);
  });

  it('accepts Infinity for retry.attempts and retry.maxElapsedMs: retry for as long as it takes', async () => {
    const fake = fakeOss({ latencyMs: 0 });
    const source = logSource();
    source.push(null);
    await expect(
      appendStream(fake.client, KEY, source, { retry: { attempts: Infinity, maxElapsedMs: Infinity } }),
    ).resolves.toMatchObject({ bytes: 0 });
  });
});
