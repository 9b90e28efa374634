// Counting the handles a test leaves behind (timers, sockets, servers), and waiting for them to go.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll } from 'vitest';

/** The handles that keep a process alive and that an upload could leave behind. */
export const WATCHED_RESOURCES = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'] as const;
export type ResourceCounts = Record<(typeof WATCHED_RESOURCES)[number], number>;

/**
 * Counts of the watched resources. Node lists only referenced handles and timers here: an unref'd
 * heartbeat timer is invisible to it, which is why the reliability tests also inject `trackedTimers()` (test/reliability/helpers.ts).
 */
export function activeResources(): ResourceCounts {
  const info = process.getActiveResourcesInfo();
  const count = (name: string): number => info.filter((resource) => resource === name).length;
  return { Timeout: count('Timeout'), TCPSocketWrap: count('TCPSocketWrap'), TCPServerWrap: count('TCPServerWrap') };
}

function sameCounts(a: ResourceCounts, b: ResourceCounts): boolean {
  return WATCHED_RESOURCES.every((name) => a[name] === b[name]);
}

/**
 * The watched counts once they have held still for `quietMs`: a baseline without Vitest's own
 * short-lived timers (it throttles its task updates with a 100 ms timer at a test's start).
 */
export async function quietResources(quietMs = 150, timeoutMs = 5_000): Promise<ResourceCounts> {
  const deadline = performance.now() + timeoutMs;
  let counts = activeResources();
  let since = performance.now();
  while (performance.now() - since < quietMs && performance.now() < deadline) {
    await sleep(10);
    const next = activeResources();
    if (!sameCounts(next, counts)) {
      counts = next;
      since = performance.now();
    }
  }
  return counts;
}

/**
 * The watched counts before the calling file's first test, taken once: every test ends with resourcesBackTo
 * it, so each test starts where the one before it did.
 */
export function resourceBaseline(): () => ResourceCounts {
  let baseline: ResourceCounts | undefined;
  beforeAll(async () => {
    baseline = await quietResources();
  });
  return () => baseline!;
}

/**
 * Resolves once no watched count is above `expected` (a baseline from quietResources), polling on short
 * timers that have fired by the time each check runs. Not vi.waitFor: its own pending timers would count.
 */
export async function resourcesBackTo(expected: ResourceCounts, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const actual = activeResources();
    if (WATCHED_RESOURCES.every((name) => actual[name] <= expected[name])) return;
    if (performance.now() > deadline) {
      throw new Error(
        `resources left: ${JSON.stringify(actual)}, expected at most ${JSON.stringify(expected)} ` +
          `(all active: ${process.getActiveResourcesInfo().join(', ')})`,
      );
    }
    await sleep(10);
  }
}
