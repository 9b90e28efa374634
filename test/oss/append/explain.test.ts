import type OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import {
  appendAccountOf,
  explainUploadError,
  MAX_APPENDABLE_OBJECT_BYTES,
  type AppendAccount,
  type UploadErrorKind,
} from '../../../src/oss/index.js';
import { useFakeClock } from '../../support/fake-clock.js';
import { fakeOss, ossAnswer } from '../../support/fake-oss.js';
import { KEY, runOn, runUntil } from './helpers.js';

useFakeClock();

type Fake = ReturnType<typeof fakeOss>;

/** Runs appendStream of one line into `fake` after `prepare`, and returns its rejection. */
async function failureOf(prepare: (fake: Fake) => void, options = {}): Promise<unknown> {
  const fake = fakeOss({ latencyMs: 0 });
  prepare(fake);
  const run = runOn(fake, { retry: { attempts: 2, minDelayMs: 10 }, ...options });
  run.source.push('line\n');
  await runUntil(run.done);
  return run.settlement.error;
}

const tooLarge = (fake: Fake): void => {
  fake.client.head = (async () => ({
    status: 200,
    res: ossAnswer({
      'x-oss-object-type': 'Appendable',
      'x-oss-next-append-position': String(MAX_APPENDABLE_OBJECT_BYTES),
      'x-oss-hash-crc64ecma': '0',
    }),
  })) as unknown as OSS['head'];
};

/** Another writer appends just before this call's first append. */
const otherWriter = (fake: Fake): void => {
  const append = fake.client.append.bind(fake.client);
  fake.client.append = ((...args: Parameters<OSS['append']>) => {
    fake.write(KEY, 'theirs\n');
    fake.client.append = append;
    return append(...args);
  }) as OSS['append'];
};

const cases: Array<[UploadErrorKind, (fake: Fake) => void, object, string | RegExp]> = [
  ['append-conflict', otherWriter, {}, /Give each writer an object of its own, and read this one before trusting it\.$/],
  ['append-gave-up', (fake) => fake.failNext('append', 503, 503), {}, /raise retry\.attempts or retry\.maxElapsedMs, or continue later with resume: true\.$/],
  [
    'append-refused',
    (fake) => {
      fake.client.append = () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedError', status: 403, code: 'AccessDenied' }));
    },
    {},
    /Act on the error itself: credentials, permissions, the bucket or the object name\.$/,
  ],
  ['not-appendable', (fake) => fake.put(KEY, 'normal'), { resume: true }, /^logs\/build-42\.log is a Normal object/],
  ['object-exists', (fake) => fake.write(KEY, 'old'), {}, /pass resume: true to continue an appendable object/],
  ['object-too-large', tooLarge, { resume: true }, /continue in a new object/],
  [
    'progress-callback-threw',
    () => {},
    {
      onProgress: () => {
        throw new Error('display crashed');
      },
    },
    /Fix onProgress \(its error is the cause\), then continue the object with resume: true\.$/,
  ],
  ['aborted', () => {}, { signal: AbortSignal.abort() }, /was aborted; what was appended stays in the object/],
];

/** An account as appendStream gives it. */
const account: AppendAccount = { objectName: KEY, storedBytes: 7, unconfirmedBytes: 0, unsentBytes: 3, position: 12, appends: 1, retries: 2 };

describe('explainUploadError knows every appendStream failure', () => {
  it.each(cases)('%s', async (kind, prepare, options, advice) => {
    const error = await failureOf(prepare, options);
    const explanation = explainUploadError(error);
    expect(explanation.kind).toBe(kind);
    // The error's own message, which ends with what is stored, then what to do where it does not say it.
    expect(explanation.message.startsWith((error as Error).message)).toBe(true);
    expect(explanation.message).toMatch(advice);
    // Aborted before any request: no answer gave the length, and the account says so.
    expect(explanation.message).toMatch(/Stored: \d+ bytes from this call, (the object is \d+ bytes long|no answer from OSS gave the object's length)/);
  });

  it("says what is stored when the source failed: everything it gave, unlike a streamed upload's nothing", async () => {
    const { source, settlement, done } = runOn(fakeOss({ latencyMs: 0 }));
    source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(1000);
    source.push('step 2\n');
    source.destroy(new Error('compiler crashed\nat line 3'));
    await runUntil(done);
    expect(explainUploadError(settlement.error)).toEqual({
      kind: 'source-error',
      message:
        'The source stream failed (compiler crashed) after every byte it gave was appended: 14 bytes from this call ' +
        "stay in the object, which is 14 bytes long. This is the source's own error: look at what feeds the upload, not at the connection.",
    });
    // The source's own error, as it raised it: the account is not among its enumerable fields.
    expect(Object.keys(settlement.error as object)).toEqual([]);
  });
});

describe('appendAccountOf', () => {
  it.each(cases)('gives the account of %s, and only the account', async (_kind, prepare, options) => {
    const error = (await failureOf(prepare, options)) as AppendAccount;
    const { objectName, storedBytes, unconfirmedBytes, unsentBytes, position, appends, retries } = error;
    expect(appendAccountOf(error)).toEqual({ objectName, storedBytes, unconfirmedBytes, unsentBytes, position, appends, retries });
    expect(objectName).toBe(KEY);
  });

  it("gives the account of the source's own error that appendStream rejected with", async () => {
    const { source, settlement, done } = runOn(fakeOss({ latencyMs: 0 }));
    source.push('step 1\n');
    await vi.advanceTimersByTimeAsync(1000);
    source.destroy(new Error('compiler crashed'));
    await runUntil(done);
    expect(appendAccountOf(settlement.error)).toEqual({
      objectName: KEY,
      storedBytes: 7,
      unconfirmedBytes: 0,
      unsentBytes: 0,
      position: 7,
      appends: 1,
      retries: 0,
    });
  });

  it('reads the errors of another copy of the package: by code and fields, and by the registry symbol', () => {
    const theirs = Object.assign(new Error('Gave up'), { name: 'AppendGaveUpError', code: 'ERR_APPEND_GAVE_UP', attempts: 3, ...account });
    expect(appendAccountOf(theirs)).toEqual(account);
    const sourceError = new Error('compiler crashed');
    Object.defineProperty(sourceError, Symbol.for('heartbeat-readable.appendAccount'), { value: account });
    expect(appendAccountOf(sourceError)).toBe(account);
  });

  it.each([
    ['an ali-oss error', Object.assign(new Error('denied'), { name: 'AccessDeniedError', status: 403, code: 'AccessDenied' })],
    ['an error with an unknown code and an account', Object.assign(new Error('x'), { code: 'ERR_OTHER', ...account })],
    ["an error whose code names an Object.prototype member ('toString')", Object.assign(new Error('x'), { code: 'toString', ...account })],
    ['a string', 'failed'],
    ['null', null],
  ])('gives undefined for %s', (_what, error) => {
    expect(appendAccountOf(error)).toBeUndefined();
  });
});
