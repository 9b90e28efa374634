import { validateHeaderValue } from 'node:http';
import type OSS from 'ali-oss';
import { describeValue, invalidType, invalidValue } from './validation.js';
import { brokenObjectNameRule } from './names.js';

/*
 * The checks of what only OSS calls take: credentials, a client, names (objects, buckets, regions). Shared with
 * the local OSS of the testing entry, which takes credentials and a bucket too. (src/internal/: see its README.md.)
 */

/** Like the other checks, but names only the type: a credential's value must never reach a log. */
export function assertCredential(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    const kind =
      value === null || value === undefined
        ? String(value)
        : Array.isArray(value)
          ? 'an array'
          : typeof value === 'object'
            ? 'an object'
            : `a ${typeof value}`;
    throw invalidType(name, `${name} must be a non-empty string, got ${kind}`);
  }
  if (value === '') {
    throw invalidValue(name, `${name} must be a non-empty string, got an empty string`);
  }
}

/** A string that `follows` accepts; `rule` says what it accepts. `show`: as for assertBoolean. */
export function assertFollowsRule(
  name: string,
  value: unknown,
  follows: (text: string) => boolean,
  rule: string,
  show = describeValue,
): asserts value is string {
  if (typeof value !== 'string') throw invalidType(name, `${name} must be a string, got ${show(value)}`);
  if (!follows(value)) throw invalidValue(name, `${name} must be ${rule}, got ${show(value)}`);
}

/** `methods`: the client methods the caller uses (ali-oss's, tagging's included). */
export function assertClient(client: unknown, methods: readonly string[]): asserts client is OSS {
  if (methods.some((method) => typeof (client as Record<string, unknown> | null | undefined)?.[method] !== 'function')) {
    // Not describeValue: an options object passed by mistake would print its accessKeySecret.
    throw invalidType('client', `client must be an ali-oss client, got ${client === null ? 'null' : typeof client}`);
  }
}

export function assertObjectName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw invalidType('name', `name must be a non-empty string, got ${describeValue(name)}`);
  const broken = brokenObjectNameRule(name);
  if (broken !== undefined) throw invalidValue('name', `name must be ${broken}, got ${describeValue(name)}`);
}

/** The object's Content-Type, as ali-oss's `mime` takes it: one header value, or left out. */
export function assertMime(mime: unknown): asserts mime is string | undefined {
  if (mime === undefined) return;
  const rule = 'a non-empty string such as "text/plain; charset=utf-8"';
  if (typeof mime !== 'string') throw invalidType('mime', `mime must be ${rule}, got ${describeValue(mime)}`);
  let valid = mime !== '';
  try {
    validateHeaderValue('Content-Type', mime);
  } catch {
    valid = false;
  }
  if (!valid) throw invalidValue('mime', `mime must be ${rule} with no control characters, got ${describeValue(mime)}`);
}
