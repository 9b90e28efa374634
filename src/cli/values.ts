import ms from 'ms';
import { describeValue } from '../internal/validation.js';
import { SIZE_UNITS } from './format.js';
import type { Secrets } from './secrets.js';

/** A mistake in how the command was called: exit status 2, with a hint to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * How a usage error shows a value it refuses: as given, unless it holds a configured secret, or came from
 * the environment, where swapped CI variables put a secret in OSS_REGION or OSS_BUCKET unnoticed.
 */
export function shown(value: string, secrets: Secrets, fromEnvironment = false, show: (value: string) => string = describeValue): string {
  if (fromEnvironment) return 'a value that is not shown (it comes from the environment)';
  if (secrets.isIn(value)) return 'a value that is not shown (it holds a configured secret)';
  return show(value);
}

/** How --help says what parseDuration reads. */
export const DURATIONS_NOTE = 'Durations: 60000, 60s, 1m.';

/** A duration as `ms` reads it (60000, 60s, 1m); undefined if not given. Its range is the library's to check. */
export function parseDuration(option: string, text: string | undefined, secrets: Secrets): number | undefined {
  if (text === undefined) return undefined;
  let value: number | undefined;
  try {
    value = ms(text as ms.StringValue);
  } catch {
    value = undefined;
  }
  if (value === undefined || !Number.isFinite(value)) {
    throw new UsageError(`--${option} must be a positive duration such as 60000, 60s or 1m, got ${shown(text, secrets)}`);
  }
  return value;
}

export function nonEmpty(option: string, text: string | undefined): string | undefined {
  if (text === '') throw new UsageError(`${option} must not be empty`);
  return text;
}

/** A length in bytes, 0 included: digits only, as a runner that counted what it shipped writes it. */
export function byteCount(option: string, given: string | undefined, secrets: Secrets): number | undefined {
  if (given === undefined) return undefined;
  const bytes = /^\d+$/.test(given) ? Number(given) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`--${option} must be a number of bytes such as 0 or 1048576, got ${shown(given, secrets)}`);
  return bytes;
}

/** A value the user gave, named as given: a flag, or the variable it came from. */
export interface Given {
  name: string;
  value: string;
  fromEnvironment?: boolean;
}

/** Returns the value when `valid`, or names where it came from and the rule. */
export function check(given: Given, valid: (value: string) => boolean, rule: string, secrets: Secrets, show?: (value: string) => string): string {
  if (secrets.isIn(given.value)) {
    // ali-oss would put it in a host name, a URL or a header, where messages, logs and DNS queries show it.
    throw new UsageError(`${given.name} must not hold a configured secret or token (are two variables swapped?)`);
  }
  if (!valid(given.value)) {
    throw new UsageError(`${given.name} must be ${rule}, got ${shown(given.value, secrets, given.fromEnvironment, show)}`);
  }
  return given.value;
}

/**
 * Runs a library call that checks the options a command passes on (a resolver, or the call itself): what it
 * refuses (a TypeError or RangeError with the option's name as `option`) is the user's to fix, a usage error in
 * the library's words, each option named there (`flags`: option → flag or variable as the user gave it) renamed.
 * The rule stays the library's: the command renames options only. A promise's refusal is renamed as well.
 */
export function withFlagNames<T>(flags: Record<string, string>, call: () => T): T {
  const rename = (error: unknown): never => {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const option = (error as { option?: unknown }).option;
    if (typeof option !== 'string') throw new UsageError(error.message);
    // The option the error is about, where the message starts; other options it names, where their names are
    // no ordinary words (idleLimitMs, retry.maxElapsedMs, not region or bucket, which a rule may say).
    const lead = Object.hasOwn(flags, option) && error.message.startsWith(option) ? flags[option]! + error.message.slice(option.length) : error.message;
    const named = Object.keys(flags).filter((name) => /[A-Z.]/.test(name)).sort((a, b) => b.length - a.length);
    const pattern = named.length === 0 ? undefined : new RegExp(`(?<![\\w.-])(?:${named.map((name) => name.replace(/[.[\]]/g, '\\$&')).join('|')})(?!\\w)`, 'g');
    throw new UsageError(pattern === undefined ? lead : lead.replace(pattern, (name) => flags[name]!));
  };
  try {
    const result = call();
    return (result instanceof Promise ? result.catch(rename) : result) as T;
  } catch (error) {
    return rename(error);
  }
}

const SIZE = new RegExp(`^(\\d+(?:\\.\\d+)?)(${SIZE_UNITS.map(([unit]) => unit).join('|')})?$`);

/** A whole number of bytes, given as bytes or in binary units (1048576, 512KiB, 1.5MiB): strict, no guessing at "MB". */
export function sizeOf(option: string, given: string | undefined, secrets: Secrets): number | undefined {
  if (given === undefined) return undefined;
  const match = SIZE.exec(given);
  const unit = SIZE_UNITS.find(([name]) => name === match?.[2])?.[1] ?? 1;
  const bytes = match ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`--${option} must be a whole number of bytes such as 1048576, 512KiB or 1MiB, got ${shown(given, secrets)}`);
  }
  return bytes;
}
