import { describe, expect, it } from 'vitest';
import { startLocalOss, type LocalOssOptions } from '../../src/testing/index.js';
import { rejectionOf } from '../oss/helpers.js';

const wrongType = (value: unknown): never => value as never;

describe('startLocalOss options', () => {
  it.each<[string, LocalOssOptions | undefined, ErrorConstructor, string]>([
    ['options', wrongType('fast'), TypeError, 'options must be an object, got "fast"'],
    ['idleLimitMs type', { idleLimitMs: wrongType('60s') }, TypeError, 'idleLimitMs must be a positive finite number, got "60s"'],
    ['idleLimitMs zero', { idleLimitMs: 0 }, RangeError, 'idleLimitMs must be a positive finite number, got 0'],
    ['idleLimitMs NaN', { idleLimitMs: NaN }, RangeError, 'idleLimitMs must be a positive finite number, got NaN'],
    ['idleLimitMs Infinity', { idleLimitMs: Infinity }, RangeError, 'must be a positive finite number, got Infinity'],
    ['idleLimitMs too long', { idleLimitMs: 2 ** 31 }, RangeError, 'idleLimitMs must be at most 2147483647 ms, got 2147483648'],
    ['port type', { port: wrongType('8080') }, TypeError, 'port must be an integer from 0 to 65535, got "8080"'],
    ['port fraction', { port: 1.5 }, RangeError, 'port must be an integer from 0 to 65535, got 1.5'],
    ['port too big', { port: 65_536 }, RangeError, 'port must be an integer from 0 to 65535, got 65536'],
    ['port negative', { port: -1 }, RangeError, 'port must be an integer from 0 to 65535, got -1'],
    ['host type', { host: wrongType(127) }, TypeError, 'host must be a non-empty string, got 127'],
    ['host empty', { host: '' }, RangeError, 'host must be a non-empty string, got ""'],
    ['bucket type', { bucket: wrongType(null) }, TypeError, 'bucket must be a string, got null'],
    [
      'bucket uppercase',
      { bucket: 'My-Bucket' },
      RangeError,
      'bucket must be 3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen, got "My-Bucket"',
    ],
    ['bucket short', { bucket: 'ab' }, RangeError, 'got "ab"'],
    ['bucket hyphen', { bucket: '-abc' }, RangeError, 'got "-abc"'],
    ['bucket long', { bucket: 'a'.repeat(64) }, RangeError, `got "${'a'.repeat(64)}"`],
    ['accessKeyId type', { accessKeyId: wrongType(42) }, TypeError, 'accessKeyId must be a non-empty string, got a number'],
    ['accessKeyId empty', { accessKeyId: '' }, RangeError, 'accessKeyId must be a non-empty string, got an empty string'],
    ['accessKeySecret type', { accessKeySecret: wrongType(1234567) }, TypeError, 'accessKeySecret must be a non-empty string, got a number'],
    ['accessKeySecret object', { accessKeySecret: wrongType({ s: 1234567 }) }, TypeError, 'got an object'],
    ['accessKeySecret empty', { accessKeySecret: '' }, RangeError, 'accessKeySecret must be a non-empty string, got an empty string'],
    ['maxBodyBytes type', { maxBodyBytes: wrongType('1MB') }, TypeError, 'maxBodyBytes must be an integer of at least 1, got "1MB"'],
    ['maxBodyBytes zero', { maxBodyBytes: 0 }, RangeError, 'maxBodyBytes must be an integer of at least 1, got 0'],
    ['maxObjectBytes type', { maxObjectBytes: wrongType('5GB') }, TypeError, 'maxObjectBytes must be an integer of at least 1, got "5GB"'],
    ['maxObjectBytes fraction', { maxObjectBytes: 1.5 }, RangeError, 'maxObjectBytes must be an integer of at least 1, got 1.5'],
    ['maxClockSkewMs type', { maxClockSkewMs: wrongType('15m') }, TypeError, 'maxClockSkewMs must be a positive finite number, got "15m"'],
    ['maxClockSkewMs negative', { maxClockSkewMs: -1 }, RangeError, 'maxClockSkewMs must be a positive finite number, got -1'],
    ['now type', { now: wrongType(1_700_000_000_000) }, TypeError, 'now must be a function, got 1700000000000'],
  ])('rejects a bad %s', async (_name, options, errorClass, message) => {
    const error = await rejectionOf(startLocalOss(options));
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('1234567'); // the accessKeySecret rows' values
  });
});
