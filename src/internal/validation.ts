import { inspect } from 'node:util';

/*
 * The checks every entry runs on what a caller passes: each throws a TypeError (wrong type) or a RangeError
 * (right type, wrong value) whose message names the option and shows the value, with Node's `code` and the
 * option's name as `option`. (src/internal/: see its README.md.)
 */

/** The codes of a bad option's error, as Node's own: a wrong type, a value not allowed, a number out of its range. */
export type InvalidOptionCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/** What a bad option throws: the code programs test, and the name of the option (`retry.attempts`) or argument. */
export type InvalidOptionError<E extends Error> = E & { code: InvalidOptionCode; option: string };

function aboutOption<E extends Error>(error: E, code: InvalidOptionCode, option: string): InvalidOptionError<E> {
  return Object.assign(error, { code, option });
}

/** A TypeError: `option` is not of a type it takes. */
export function invalidType(option: string, message: string): InvalidOptionError<TypeError> {
  return aboutOption(new TypeError(message), 'ERR_INVALID_ARG_TYPE', option);
}

/** A RangeError: `option` is of the right type, but not a value it takes. */
export function invalidValue(option: string, message: string): InvalidOptionError<RangeError> {
  return aboutOption(new RangeError(message), 'ERR_INVALID_ARG_VALUE', option);
}

/** A RangeError: `option` is a number outside its range (a fraction where a whole number is needed included). */
export function outOfRange(option: string, message: string): InvalidOptionError<RangeError> {
  return aboutOption(new RangeError(message), 'ERR_OUT_OF_RANGE', option);
}

/** Node clamps longer delays to 1 ms, which would turn a timer meant for later into a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every key of T optional, and `undefined` accepted for each as if it were left out: under
 * exactOptionalPropertyTypes, `{ endpoint: process.env.OSS_ENDPOINT }` must fit an option declared `?: string`.
 */
export type Optional<T> = { [K in keyof T]?: T[K] | undefined };

/** `options` without the keys whose value is undefined, for a library that merges options over its defaults (ali-oss). */
export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A value as an error message shows it: strings quoted, numbers as written, objects briefly. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // A megabyte of a mistaken value must not become a megabyte of error message.
    return value.length <= 80 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 60))}... (${value.length} characters)`;
  }
  if (typeof value === 'function') return 'a function';
  return inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 4, maxStringLength: 40 });
}

/** An options object, or undefined where the options are optional. */
export function assertOptionsObject(name: string, value: unknown): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw invalidType(name, `${name} must be an object, got ${describeValue(value)}`);
  }
}

/** A delay or duration in ms: positive, finite and at most `max` (by default, what a timer can wait). */
export function assertPositiveMs(name: string, value: unknown, max = MAX_TIMER_MS): asserts value is number {
  if (typeof value !== 'number') {
    throw invalidType(name, `${name} must be a positive finite number, got ${describeValue(value)}`);
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw outOfRange(name, `${name} must be a positive finite number, got ${describeValue(value)}`);
  }
  if (value > max) {
    throw outOfRange(name, `${name} must be at most ${max} ms, got ${describeValue(value)}`);
  }
}

/** A whole number from `min` to `max`; without a `max`, any safe integer from `min` on. */
export function assertInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  const rule = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  if (typeof value !== 'number') throw invalidType(name, `${name} must be ${rule}, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `${name} must be ${rule}, got ${describeValue(value)}`);
  }
}

/** `show`: how the value may be shown, for options that could hold a credential. */
export function assertBoolean(name: string, value: unknown, show = describeValue): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidType(name, `${name} must be a boolean, got ${show(value)}`);
}

export function assertSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidType('signal', `signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
}
