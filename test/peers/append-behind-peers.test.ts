import { appendFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { appendAccountOf, appendStream, type AppendStreamResult } from 'heartbeat-readable/oss';
import type { LocalOss } from 'heartbeat-readable/testing';
import { itWithOss as it, muteUrllibWarnings, type LocalOssKit } from '../support/local-oss.js';
import { paced } from '../support/sources.js';
import { hasBinary, LIMIT_SECONDS, PEERS, type Peer, type PeerMode } from './peers.js';

// The peer tests: append mode over real ali-oss (createOssClient) behind each real reverse proxy CI systems put in
// front of storage, each with one timeout at LIMIT_SECONDS and a build log silent for three times that. Whatever
// the proxy does, appendStream either stores the log byte for byte, or rejects with an account that matches what
// the local OSS holds. A proxy answering bare 200s in OSS's place never makes it resolve.
// Opt-in (PEERS=1): the servers come from test/peers/install.sh, and the run takes minutes. Each case prints a
// PEER_RESULT line (also appended to $PEERS_REPORT when set): test/peers/README.md's table is made of them.
muteUrllibWarnings();

const KEY = 'logs/build-42.log';
const CONTROL_KEY = 'logs/control.log';
const SILENCE_MS = 3 * LIMIT_SECONDS * 1000;
const RETRY = { attempts: 20, minDelayMs: 50, maxDelayMs: 500 };
const OPTIONS = {
  flushIntervalMs: 200,
  retry: RETRY,
  // Past every proxy's limit, so the proxy's own answer to a stalled request is what appendStream sees.
  requestTimeoutMs: 5 * LIMIT_SECONDS * 1000,
};
const TEST_TIMEOUT_MS = 120_000;

const line = (text: string): Buffer => Buffer.from(`${text}\n`);

/** A build log as a runner sees it: colour codes, UTF-8, CRLFs, a large burst (a test report), in chunks. */
const LOG = {
  before: [
    line('$ make -j4'),
    line('[1/4] fetch dependencies… done'),
    line('[2/4] compile 214 files'),
    Buffer.from(
      Array.from({ length: 4000 }, (_, n) => `  \u001b[32m✓\u001b[0m suite ${Math.floor(n / 40)} › case ${n} (${n % 97} ms)\r\n`).join(''),
    ),
  ],
  after: [line('[3/4] link: libbuild.so (silent for a while)'), line('[4/4] 舱 package ✔'), Buffer.from('exit 0')],
};
const INPUT = Buffer.concat([...LOG.before, ...LOG.after]);

/** Chunks 30 ms apart, with the silence before the first chunk of `after`. */
function paceOf(before: Buffer[], after: Buffer[]): number[] {
  return [...before.map(() => 30), SILENCE_MS, ...after.slice(1).map(() => 30)];
}

type Client = ReturnType<LocalOssKit['heartbeatClient']>;

/**
 * The control: a log of a few lines, the same silence, then more lines, in one plain `client.putStream` request
 * (no heartbeat, a body smaller than any proxy's buffer): what the limit does to one long request. Waited for at
 * most until 10 s after the silence.
 */
async function plainUpload(client: Client): Promise<Record<string, unknown>> {
  const before = LOG.before.slice(0, 3);
  const pace = paceOf(before, LOG.after);
  const started = Date.now();
  const upload = client.putStream(CONTROL_KEY, Readable.from(paced([...before, ...LOG.after], pace))).then(
    ({ res }) => ({ outcome: 'resolved', status: res.status, ms: Date.now() - started }),
    (error: Error & Record<string, unknown>) => ({
      outcome: 'rejected',
      error: error.name,
      status: error.status,
      // ali-oss's message starts with the failure ('socket hang up'); the URL after it is a local one.
      message: String(error.message).split(/[,\n]/)[0],
      ms: Date.now() - started,
    }),
  );
  const deadline = pace.reduce((sum, ms) => sum + ms, 0) + 10_000;
  return Promise.race([upload, sleep(deadline).then(() => ({ outcome: 'pending', ms: deadline }))]);
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
  const text = JSON.stringify(entry);
  console.log(`PEER_RESULT ${text}`);
  if (process.env.PEERS_REPORT) appendFileSync(process.env.PEERS_REPORT, `${text}\n`);
}

function outcomeOf(settled: Settled): Record<string, unknown> {
  if (settled.ok) return { outcome: 'stored', appends: settled.value.appends, retries: settled.value.retries };
  const { error } = settled;
  const cause = error.cause as Record<string, unknown> | undefined;
  return {
    outcome: 'rejected',
    error: error.name,
    cause: cause && { name: cause.name, code: cause.code, status: cause.status },
    message: error.message,
    account: appendAccountOf(error),
  };
}

/**
 * The local OSS, the peer in front of it, a client through the peer (ali-oss's keep-alive agent from
 * createOssClient, or with `connectionPerRequest` an agent without keep-alive) and one straight to the local OSS,
 * all closed when the test ends.
 */
async function setUp(oss: LocalOssKit, peer: Peer, mode: PeerMode, connectionPerRequest = false) {
  // OSS's own idle limit is not under test here.
  const local = await oss.start({ idleLimitMs: 60_000 });
  const running = await peer.start(local.endpoint, mode);
  oss.defer(() => running.stop());
  const agent = connectionPerRequest ? new Agent({ keepAlive: false }) : undefined;
  if (agent) oss.defer(() => agent.destroy());
  const client = oss.heartbeatClient(local, { endpoint: running.endpoint, ...(agent && { agent }) });
  const direct = oss.heartbeatClient(local);
  return { local, running, client, direct };
}

/** What appendStream reported is what the local OSS stored. */
async function expectTruthful(settled: Settled, local: LocalOss, direct: Client, input: Buffer): Promise<void> {
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
  if (account!.position === undefined) {
    // No answer from OSS gave the object's length: nothing was appended.
    expect(account).toMatchObject({ storedBytes: 0, unconfirmedBytes: 0 });
    expect(stored.length).toBe(0);
  } else {
    expect([account!.position, account!.position + account!.unconfirmedBytes]).toContain(stored.length);
  }
  expect(stored.equals(input.subarray(0, stored.length)), 'the stored bytes are a prefix of the input').toBe(true);
  expect(error.message).not.toMatch(/NaN/);
}

const KEEP_ALIVE = "ali-oss's keep-alive agent";
const PER_REQUEST = 'an agent without keep-alive (a connection per request)';

describe.skipIf(!process.env.PEERS)('append mode behind real reverse proxies (PEERS=1)', () => {
  for (const peer of PEERS) {
    const installed = peer.binary === undefined || hasBinary(peer.binary);
    // A peer that drops a reused connection's next request is also run with a connection per request.
    const clients = peer.closesConnectionsSilently ? [false, true] : [false];
    describe.skipIf(!installed)(peer.name, () => {
      for (const limit of peer.limits) {
        for (const connectionPerRequest of clients) {
          const over = connectionPerRequest ? `, over ${PER_REQUEST}` : '';
          it(
            `${limit.kind} limit ${limit.directive} ${limit.value}${over}: a log silent for ${SILENCE_MS} ms is stored byte for byte, or the error says what is stored`,
            async ({ oss }) => {
              const { local, running, client, direct } = await setUp(oss, peer, { limit }, connectionPerRequest);
              // Side by side: one plain upload of a silent log, which the limit must end.
              const control = plainUpload(client);
              const started = Date.now();
              const settled = await settle(appendStream(client, KEY, paced([...LOG.before, ...LOG.after], paceOf(LOG.before, LOG.after)), OPTIONS));
              const ms = Date.now() - started;
              const controlOutcome = await control;
              const stats = local.stats();
              record({
                peer: peer.name,
                kind: limit.kind,
                directive: limit.directive,
                value: limit.value,
                client: connectionPerRequest ? PER_REQUEST : KEEP_ALIVE,
                ms,
                ...outcomeOf(settled),
                storedBytes: local.getObject(KEY)?.length ?? 0,
                inputBytes: INPUT.length,
                localOss: { appends: stats.appends, aborted: stats.aborted, idleClosed: stats.idleClosed },
                control: { ...controlOutcome, storedBytes: local.getObject(CONTROL_KEY)?.length },
              });
              if (!settled.ok) console.log(`${peer.name}'s logs:\n${running.logs()}`);
              await expectTruthful(settled, local, direct, INPUT);
            },
            TEST_TIMEOUT_MS,
          );
        }
      }

      for (const bare of peer.bare200) {
        // Over a connection per request for a peer that drops a reused connection's request: the bare 200 must
        // reach the client, not a hang-up.
        const connectionPerRequest = peer.closesConnectionsSilently === true;
        const over = connectionPerRequest ? `, over ${PER_REQUEST}` : '';
        it(
          `bare 200s in OSS's place (${bare.how})${over}: appendStream gives up naming an answer that is not OSS's, never resolves`,
          async ({ oss }) => {
            const { local, client, direct } = await setUp(oss, peer, { bare200: bare.id }, connectionPerRequest);
            const chunks = LOG.before.slice(0, 3);
            const input = Buffer.concat(chunks);
            const started = Date.now();
            const settled = await settle(appendStream(client, KEY, paced(chunks, 30), OPTIONS));
            const ms = Date.now() - started;
            record({
              peer: peer.name,
              kind: 'bare-200',
              directive: bare.how,
              client: connectionPerRequest ? PER_REQUEST : KEEP_ALIVE,
              ms,
              ...outcomeOf(settled),
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
      }
    });
  }
});
