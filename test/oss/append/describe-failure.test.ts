import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../../src/internal/failures.js';

/** An error shaped as ali-oss 6.23 raises it. */
const aliOssError = (message: string, fields: object): Error => Object.assign(new Error(message), fields);

describe('describeFailure: a failure in a few words, never its URL', () => {
  it.each([
    ['an HTTP answer', aliOssError('denied', { name: 'AccessDeniedError', code: 'AccessDenied', status: 403 }), 'AccessDeniedError AccessDenied HTTP 403'],
    ['a reset, its system code from the message', aliOssError('read ECONNRESET, POST http://b.oss/x', { name: 'ResponseError', code: 'ResponseError', status: -1 }), 'ResponseError ECONNRESET'],
    ['a hang-up, in its own words', aliOssError('socket hang up, POST http://b.oss/x?append', { name: 'ResponseError', code: 'ResponseError', status: -1 }), 'ResponseError (socket hang up)'],
    ['a DNS failure: the host it names stays out', aliOssError('getaddrinfo ENOTFOUND b.oss.example, POST http://b.oss/x', { name: 'RequestError', status: -1 }), 'RequestError ENOTFOUND'],
    ['words that name a host stay out', aliOssError('connect to b.oss.example failed', { name: 'RequestError', status: -1 }), 'RequestError'],
    ['not an error', 'boom', 'a non-error value of type string'],
  ])('%s', (_case, error, words) => {
    expect(describeFailure(error)).toBe(words);
  });
});
