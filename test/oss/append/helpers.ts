import type { Readable } from 'node:stream';
import { vi } from 'vitest';
import { appendStream, type AppendStreamOptions, type AppendStreamResult } from '../../../src/oss/index.js';
import { observeSettlement, type Settlement } from '../../support/settlement.js';
import { fakeOss, type FakeOssOptions, type FakeRequest } from '../../support/fake-oss.js';
import { logSource } from '../../support/sources.js';

export const KEY = 'logs/build-42.log';

export interface Run {
  fake: ReturnType<typeof fakeOss>;
  source: Readable;
  settlement: Settlement<AppendStreamResult>;
  /** Resolves (never rejects) once the append stream has settled. */
  done: Promise<void>;
  /** The append requests so far. */
  appends(): FakeRequest[];
  /** The methods of the appends and HEADs so far, in order: the marker's tagging requests left out. */
  appendsAndHeads(): string[];
}

/** Starts appendStream of a push-driven source into `fake` as it stands: a test prepares the fake first. */
export function runOn(fake: ReturnType<typeof fakeOss>, options: AppendStreamOptions = {}): Run {
  const source = logSource();
  const { settlement, done } = observeSettlement(appendStream(fake.client, KEY, source, options));
  return {
    fake,
    source,
    settlement,
    done,
    appends: () => fake.requests.filter((request) => request.method === 'append'),
    appendsAndHeads: () => fake.requests.filter(({ method }) => method === 'append' || method === 'head').map(({ method }) => method),
  };
}

/**
 * Starts appendStream of a push-driven source into a fresh fake OSS (on the fake clock) and lets its first HEAD
 * finish, so bytes pushed from here on are read at once.
 */
export async function startRun(options: AppendStreamOptions = {}, fakeOptions: FakeOssOptions = {}): Promise<Run> {
  const run = runOn(fakeOss({ latencyMs: 0, ...fakeOptions }), options);
  await vi.advanceTimersByTimeAsync(fakeOptions.latencyMs ?? 0);
  return run;
}

/** Moves the fake clock on in steps until `done` has settled, for at most `maxMs`. */
export async function runUntil(done: Promise<void>, maxMs = 60 * 60_000, stepMs = 50): Promise<void> {
  let settled = false;
  void done.then(() => {
    settled = true;
  });
  for (let elapsed = 0; !settled && elapsed < maxMs; elapsed += stepMs) await vi.advanceTimersByTimeAsync(stepMs);
  await vi.advanceTimersByTimeAsync(0);
}
