import { appendFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { appendAccountOf, appendStream, type AppendStreamResult } from 'heartbeat-readable/oss';
import type { LocalOss } from 'heartbeat-readable/testing';
import { itWithOss as it, muteUrllibWarnings, paced, type LocalOssKit } from '../oss/helpers.js';
import { hasBinary, LIMIT_SECONDS, PEERS, type Peer, type PeerMode } from './peers.js';

// The peer tests: append mode over real ali-oss (createOssClient) behind each real reverse proxy CI systems put in
// front of storage, each with one timeout at LIMIT_SECONDS and a build log silent for three times that. Whatever
// the proxy does, appendStream either stores the log byte for byte, or rejects with an account that matches what
// the local OSS holds. A proxy answering bare 200s in OSS's place never makes it resolve.
// Opt-in (PEERS=1): the servers come from test/peers/install.sh, and the run takes minutes.
muteUrllibWarnings();

const KEY = 'logs/build-42.log';
const SILENCE_MS = 3 * LIMIT_SECONDS * 1000;
const RETRY = { attempts: 20, minDelayMs: 50, maxDelayMs: 500 };
const OPTIONS = {
  flushIntervalMs: 200,
  retry: RETRY,
  // Past every proxy's limit, so the proxy's own answer to a stalled request is what appendStream sees.
  requestTimeoutMs: 5 * LIMIT_SECONDS * 1000,
};
const TEST_TIMEOUT_MS = 120_000;

/** A build log as a runner sees it: colour codes, UTF-8, CRLFs, one large burst (a test report), all in chunks. */
function buildLog(): { before: Buffer[]; after: Buffer[] } {
  const line = (text: string): Buffer => Buffer.from(`${text}\n`);
  const report = Buffer.from(
    Array.from({ length: 4000 }, (_, n) => `  \u001b[32m✓\u001b[0m suite ${Math.floor(n / 40)} › case ${n} (${n % 97} ms)\r\n`).join(''),
  );
  return {
    before: [line('$ make -j4'), line('[1/4] fetch dependencies… done'), line('[2/4] compile 214 files'), report],
    after: [line('[3/4] link: libbuild.so (silent for a while)'), line('[4/4] 舱 package ✔'), Buffer.from('exit 0')],
  };
}

/** Chunks 30 ms apart, the silence before the second part. */
function paceOf({ before, after }: { before: Buffer[]; after: Buffer[] }, silenceMs: number): number[] {
  return [...before.map(() => 30), silenceMs, ...after.slice(1).map(() => 30)];
}

type Settled = { ok: true; value: AppendStreamResult } | { ok: false; error: Error & Record<string, unknown> };

async function settle(promise: Promise<AppendStreamResult>): Promise<Settled> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: Error & Record<string, unknown>) => ({ ok: false as const, error }),
  );
}

/** One line per case for the README's table: on the console, and appended to $PEERS_REPORT when set. */
function record(entry: Record<string, unknown>): void {
  const line = JSON.stringify(entry);
  console.log(`PEER_RESULT ${line}`);
  if (process.env.PEERS_REPORT) appendFileSync(process.env.PEERS_REPORT, `${line}\n`);
}

function describeError(error: Error & Record<string, unknown>): Record<string, unknown> {
  const cause = error.cause as Record<string, unknown> | undefined;
  return {
    error: error.name,
    code: error.code,
    cause: cause && { name: cause.name, code: cause.code, status: cause.status },
    message: error.message,
  };
}

/** The local OSS, the peer in front of it and a client through the peer, all closed when the test ends. */
async function setUp(oss: LocalOssKit, peer: Peer, mode: PeerMode) {
  // OSS's own idle limit is not under test here.
  const local = await oss.start({ idleLimitMs: 60_000 });
  const running = await peer.start(local.endpoint, mode);
  oss.defer(() => running.stop());
  const client = oss.heartbeatClient(local, { endpoint: running.endpoint });
  const direct = oss.heartbeatClient(local);
  return { local, running, client, direct };
}

/** What appendStream reported is what the local OSS stored. */
async function expectTruthful(settled: Settled, local: LocalOss, direct: ReturnType<LocalOssKit['heartbeatClient']>, input: Buffer) {
  const stored = local.getObject(KEY) ?? Buffer.alloc(0);
  if (settled.ok) {
    expect(stored.equals(input), `stored ${stored.length} bytes, expected the ${input.length} of the input`).toBe(true);
    expect(settled.value).toMatchObject({ bytes: input.length, position: input.length });
    const { res } = await direct.head(KEY);
    expect(settled.value.crc64).toBe((res.headers as Record<string, string>)['x-oss-hash-crc64ecma']);
    return;
  }
  const { error } = settled;
  const account = appendAccountOf(error);
  expect(account, `${error.name}: ${error.message}`).toBeDefined();
  expect([account!.position, account!.position + account!.unconfirmedBytes]).toContain(stored.length);
  expect(stored.equals(input.subarray(0, stored.length)), 'the stored bytes are a prefix of the input').toBe(true);
  expect(error.message).not.toMatch(/NaN/);
}

describe.skipIf(!process.env.PEERS)('append mode behind real reverse proxies (PEERS=1)', () => {
  for (const peer of PEERS) {
    const installed = peer.binary === undefined || hasBinary(peer.binary);
    describe.skipIf(!installed)(peer.name, () => {
      for (const limit of peer.limits) {
        it(
          `${limit.kind} limit ${limit.directive} ${limit.value}: a log silent for ${SILENCE_MS} ms is stored byte for byte, or the error says what is stored`,
          async ({ oss }) => {
            const { local, running, client, direct } = await setUp(oss, peer, { limit });
            const log = buildLog();
            const input = Buffer.concat([...log.before, ...log.after]);
            const started = Date.now();
            const settled = await settle(appendStream(client, KEY, paced([...log.before, ...log.after], paceOf(log, SILENCE_MS)), OPTIONS));
            const ms = Date.now() - started;
            const stats = local.stats();
            record({
              peer: peer.name,
              kind: limit.kind,
              directive: limit.directive,
              value: limit.value,
              outcome: settled.ok ? 'stored' : 'rejected',
              ms,
              ...(settled.ok
                ? { appends: settled.value.appends, retries: settled.value.retries }
                : { ...describeError(settled.error), account: appendAccountOf(settled.error) }),
              storedBytes: local.getObject(KEY)?.length ?? 0,
              inputBytes: input.length,
              localOss: { appends: stats.appends, aborted: stats.aborted, idleClosed: stats.idleClosed },
            });
            if (!settled.ok) console.log(`${peer.name} logs:\n${running.logs()}`);
            await expectTruthful(settled, local, direct, input);
          },
          TEST_TIMEOUT_MS,
        );
      }

      it(
        `answering every POST with an empty 200 (${peer.bare200}): appendStream gives up, never resolves`,
        async ({ oss }) => {
          const { local, client, direct } = await setUp(oss, peer, { bare200: true });
          const log = buildLog();
          const chunks = log.before.slice(0, 3);
          const input = Buffer.concat(chunks);
          const started = Date.now();
          const settled = await settle(appendStream(client, KEY, paced(chunks, 30), OPTIONS));
          const ms = Date.now() - started;
          record({
            peer: peer.name,
            kind: 'bare-200',
            directive: peer.bare200,
            outcome: settled.ok ? 'stored' : 'rejected',
            ms,
            ...(settled.ok ? { appends: settled.value.appends } : { ...describeError(settled.error), account: appendAccountOf(settled.error) }),
            storedBytes: local.getObject(KEY)?.length ?? 0,
          });
          expect(settled.ok, settled.ok ? `resolved ${JSON.stringify(settled.value)}` : '').toBe(false);
          if (settled.ok) return;
          expect(settled.error.name).toBe('AppendGaveUpError');
          expect((settled.error.cause as { code?: unknown } | undefined)?.code).toBe('ERR_NOT_OSS_ANSWER');
          await expectTruthful(settled, local, direct, input);
        },
        TEST_TIMEOUT_MS,
      );
    });
  }
});
