import { describe, expect, it } from 'vitest';
import { firstLineOf, formatDuration, formatSize } from '../../src/cli/format.js';

describe('firstLineOf: one line of a failure for a report', () => {
  it.each([
    ['an error: its message, first line only', new Error('connect ECONNREFUSED\n    at stack'), 'connect ECONNREFUSED'],
    ['an error without a message', new Error(''), 'no message'],
    ['a thrown string', 'gone\nfor good', 'gone'],
    ['a thrown null', null, 'null'],
  ])('%s', (_case, error, line) => {
    expect(firstLineOf(error)).toBe(line);
  });
});

describe('sizes and durations as the help shows them', () => {
  it.each([
    [1000, '1s'],
    [90 * 60_000, '90m'],
    [2 * 3_600_000, '2h'],
    [1500, '1500ms'],
  ])('%d ms is %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });

  it.each([
    [2 ** 20, '1MiB'],
    [1536 * 1024, '1536KiB'],
    [100, '100B'],
  ])('%d bytes is %s', (bytes, shown) => {
    expect(formatSize(bytes)).toBe(shown);
  });
});
