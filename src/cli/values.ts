import ms from 'ms';
import { describeValue, MAX_TIMER_MS } from '../internal/validation.js';
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

/** A duration as `ms` reads it (60000, 60s, 1m), positive and short enough for a timer; undefined if not given. */
export function parseDuration(option: string, text: string | undefined, secrets: Secrets): number | undefined {
  if (text === undefined) return undefined;
  let value: number | undefined;
  try {
    value = ms(text as ms.StringValue);
  } catch {
    value = undefined;
  }
  if (value === undefined || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
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
 * Runs a library call that checks the options a command passes on: what it refuses (a TypeError or RangeError,
 * whose message starts with the option's name) is the user's to fix, a usage error that names the flag as typed.
 * The rule stays the library's: the command only renames the option. A promise's refusal is renamed as well.
 */
export function withFlagNames<T>(flags: Record<string, string>, call: () => T): T {
  const rename = (error: unknown): never => {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    // The option's name: the error's `option` where the library sets it, else the message's first word.
    const named = (error as { option?: unknown }).option;
    const option = typeof named === 'string' ? named : /^[\w.]+/.exec(error.message)?.[0];
    const flag = option !== undefined && Object.hasOwn(flags, option) && error.message.startsWith(option) ? flags[option]! : undefined;
    throw new UsageError(flag === undefined ? error.message : `${flag}${error.message.slice(option!.length)}`);
  };
  try {
    const result = call();
    return (result instanceof Promise ? result.catch(rename) : result) as T;
  } catch (error) {
    return rename(error);
  }
}
