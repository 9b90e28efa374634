// A local OSS server per test with clients closed after it (useLocalOss, itWithOss), WAIT for vi.waitFor, urllib's warnings muted.
import type { Agent } from 'node:http';
import type OSS from 'ali-oss';
import { afterEach, it } from 'vitest';
import { createOssClient, type OssClientOptions } from '../../src/oss/index.js';
import { startLocalOss, type LocalOss, type LocalOssOptions } from '../../src/testing/index.js';

/** What ali-oss keeps on a client but @types/ali-oss does not declare. */
export interface ClientInternals {
  agent: Agent;
  httpsAgent: Agent;
  options: { timeout: number };
}

export function internalsOf(client: OSS): ClientInternals {
  return client as unknown as ClientInternals;
}

/** For vi.waitFor on real servers and processes: its default second is short on a loaded two-core machine; only a failure comes near 10 s. */
export const WAIT = { timeout: 10_000 };

/** Starts servers and clients, and takes other cleanups, to be closed when a test ends. */
export interface LocalOssKit {
  start(options?: LocalOssOptions): Promise<LocalOss>;
  heartbeatClient(local: LocalOss, options?: Partial<OssClientOptions>): OSS;
  defer(cleanup: () => unknown): void;
}

function localOssKit(): LocalOssKit & { cleanUp(): Promise<void> } {
  const cleanups: (() => unknown)[] = [];
  const defer = (cleanup: () => unknown): void => {
    cleanups.push(cleanup);
  };
  return {
    defer,
    async start(options) {
      const local = await startLocalOss(options);
      defer(() => local.close());
      return local;
    },
    heartbeatClient(local, options) {
      const client = createOssClient({ ...local.clientOptions(), ...options });
      defer(() => {
        internalsOf(client).agent.destroy();
        internalsOf(client).httpsAgent.destroy();
      });
      return client;
    },
    async cleanUp() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

/** Each test's servers, clients and sources, closed after it so no socket or timer outlives it: for tests run one at a time. */
export function useLocalOss(): LocalOssKit {
  const kit = localOssKit();
  afterEach(() => kit.cleanUp());
  return kit;
}

/**
 * `it` with a kit of the test's own as `oss`, closed when that test ends: for tests that run side by side
 * (`describe.concurrent`), which a file-wide afterEach would close in the middle of one another.
 */
export const itWithOss = it.extend<{ oss: LocalOssKit }>({
  // eslint-disable-next-line no-empty-pattern -- Vitest reads a fixture's dependencies from this pattern: none.
  oss: async ({}, use) => {
    const kit = localOssKit();
    await use(kit);
    await kit.cleanUp();
  },
});

// Symbol.for: each test file loads this module afresh, and must not wrap console.warn again.
const URLLIB_MUTED = Symbol.for('heartbeat-readable.test.urllibMuted');

/**
 * Keeps urllib 2's "[urllib:warn] ... callback twice!!!" lines (console.warn with a stack, twice for every
 * failed streamed request) off the output of the process running the calling file; other warnings pass.
 * For good, not per test: urllib's second callback often comes after the test, even after the file, ended.
 */
export function muteUrllibWarnings(): void {
  if (Object.hasOwn(console.warn, URLLIB_MUTED)) return;
  const warn = console.warn.bind(console);
  console.warn = Object.assign(
    (...args: unknown[]) => {
      if (!String(args[0]).startsWith('[urllib:warn]')) warn(...args);
    },
    { [URLLIB_MUTED]: true },
  );
}
