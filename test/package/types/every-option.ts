// Compiled by test/package/types.test.ts against the installed package: every public option of every function,
// each one set, and each one undefined, which exactOptionalPropertyTypes accepts only from a `?: T | undefined`.
// Both lists are complete or this file does not compile: an option added to the package must be added here.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { HeartbeatReadable, withHeartbeat, type HeartbeatOptions } from 'heartbeat-readable';
import {
  appendStream,
  createOssClient,
  followLog,
  putStreamWithHeartbeat,
  type AppendProgress,
  type AppendRetryOptions,
  type AppendStreamOptions,
  type FollowLogOptions,
  type OssClientOptions,
  type PutStreamWithHeartbeatOptions,
} from 'heartbeat-readable/oss';
import { startLocalOss, type FaultMatch, type FaultSpec, type LocalOssOptions } from 'heartbeat-readable/testing';

/** The keys a caller may leave out. */
type OptionalKey<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** Every option, each given a value. */
type EachSet<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
/** Every option a caller may leave out, each undefined. */
type EachUndefined<T> = { [K in OptionalKey<T>]-?: undefined };

const timers = { setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms), clearTimeout };

export const heartbeat: EachSet<HeartbeatOptions> = {
  idleLimitMs: 60_000,
  heartbeatAfterMs: 20_000,
  filler: new Uint8Array([0x20]),
  utf8Safe: false,
  timers,
  // Readable's own options.
  highWaterMark: 1024,
  encoding: 'utf8',
  objectMode: false,
  emitClose: true,
  autoDestroy: true,
  signal: new AbortController().signal,
  read() {},
  destroy(error, callback) {
    callback(error);
  },
  construct(callback) {
    callback();
  },
};
export const noHeartbeatOption: EachUndefined<HeartbeatOptions> = {
  idleLimitMs: undefined,
  heartbeatAfterMs: undefined,
  filler: undefined,
  utf8Safe: undefined,
  timers: undefined,
  highWaterMark: undefined,
  encoding: undefined,
  objectMode: undefined,
  emitClose: undefined,
  autoDestroy: undefined,
  signal: undefined,
  read: undefined,
  destroy: undefined,
  construct: undefined,
};

const retry: EachSet<AppendRetryOptions> = { attempts: 5, maxElapsedMs: 60_000, minDelayMs: 100, maxDelayMs: 5000 };
export const noRetryOption: EachUndefined<AppendRetryOptions> = {
  attempts: undefined,
  maxElapsedMs: undefined,
  minDelayMs: undefined,
  maxDelayMs: undefined,
};

export const noLocalOption: EachUndefined<LocalOssOptions> = {
  idleLimitMs: undefined,
  bucket: undefined,
  accessKeyId: undefined,
  accessKeySecret: undefined,
  host: undefined,
  port: undefined,
  maxBodyBytes: undefined,
  maxObjectBytes: undefined,
  maxClockSkewMs: undefined,
  now: undefined,
};

export const noClientOption: EachUndefined<OssClientOptions> = {
  stsToken: undefined,
  bucket: undefined,
  endpoint: undefined,
  region: undefined,
  internal: undefined,
  secure: undefined,
  timeout: undefined,
  cname: undefined,
  refreshSTSTokenInterval: undefined,
  refreshSTSToken: undefined,
  authorizationV4: undefined,
  agent: undefined,
  httpsAgent: undefined,
  maxUploadMs: undefined,
  freeSocketTimeoutMs: undefined,
};

export const noPutOption: EachUndefined<PutStreamWithHeartbeatOptions> = {
  timeout: undefined,
  mime: undefined,
  meta: undefined,
  callback: undefined,
  headers: undefined,
  heartbeat: undefined,
  signal: undefined,
};

export const noAppendOption: EachUndefined<AppendStreamOptions> = {
  maxAppendBytes: undefined,
  flushIntervalMs: undefined,
  maxBufferedBytes: undefined,
  requestTimeoutMs: undefined,
  retry: undefined,
  resume: undefined,
  markComplete: undefined,
  signal: undefined,
  mime: undefined,
  headers: undefined,
  onProgress: undefined,
};

export const noFollowOption: EachUndefined<FollowLogOptions> = {
  start: undefined,
  pollIntervalMs: undefined,
  giveUpAfterMs: undefined,
  signal: undefined,
  requestTimeoutMs: undefined,
  retry: undefined,
};

export async function everyOption(): Promise<number> {
  const streams = [
    new HeartbeatReadable(heartbeat),
    new HeartbeatReadable(noHeartbeatOption),
    withHeartbeat(Readable.from(['a']), { ...heartbeat, read: undefined, destroy: undefined, construct: undefined }),
    withHeartbeat(Readable.from(['a']), noHeartbeatOption),
  ];

  const localOptions: EachSet<LocalOssOptions> = {
    idleLimitMs: 500,
    bucket: 'logs',
    accessKeyId: 'LTAI5tLocalAccessKeyId00',
    accessKeySecret: 'a-secret-of-thirty-characters',
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 2 ** 20,
    maxObjectBytes: 2 ** 30,
    maxClockSkewMs: 60_000,
    now: Date.now,
  };
  const local = await startLocalOss(localOptions);
  await (await startLocalOss(noLocalOption)).close();
  // A fault's fields are set only: they do not take undefined (src/testing/local-oss/faults.ts).
  const match: EachSet<FaultMatch> = { operation: ['AppendObject', 'HeadObject'], key: 'build.log' };
  const fault: EachSet<FaultSpec> = { kind: 'no-response', count: 2, match, closeAfterMs: 1000 };
  local.faults.inject(fault);
  await local.faults.goOffline(100);

  const clientOptions: EachSet<OssClientOptions> = {
    accessKeyId: local.accessKeyId,
    accessKeySecret: local.accessKeySecret,
    stsToken: 'a-security-token',
    bucket: local.bucket,
    endpoint: new URL(local.endpoint),
    region: 'oss-cn-hangzhou',
    internal: false,
    secure: false,
    timeout: '60s',
    cname: true,
    refreshSTSTokenInterval: 300_000,
    refreshSTSToken: async () => ({ accessKeyId: 'id', accessKeySecret: 'secret', stsToken: 'token' }),
    authorizationV4: false,
    agent: new HttpAgent({ keepAlive: true }),
    httpsAgent: new HttpsAgent({ keepAlive: true }),
    maxUploadMs: 60_000,
    freeSocketTimeoutMs: 4000,
  };
  const client = createOssClient(clientOptions);
  createOssClient({ ...noClientOption, accessKeyId: local.accessKeyId, accessKeySecret: local.accessKeySecret });
  // What the testing entry gives fits, as it is.
  createOssClient(local.clientOptions());

  const putOptions: EachSet<PutStreamWithHeartbeatOptions> = {
    timeout: 60_000,
    mime: 'text/plain; charset=utf-8',
    meta: { build: '42', uid: 0, pid: 0 },
    callback: { url: 'https://example.com/stored', body: 'bucket=${bucket}' },
    headers: { 'Cache-Control': 'no-cache' },
    heartbeat: { idleLimitMs: 60_000 },
    signal: new AbortController().signal,
  };
  const put = await putStreamWithHeartbeat(client, 'a.log', Readable.from(['a']), putOptions);
  await putStreamWithHeartbeat(client, 'b.log', Readable.from(['b']), { ...noPutOption, heartbeat: noHeartbeatOption });

  const onProgress = (progress: AppendProgress): void => {
    const { storedBytes, position, appends, retries, pendingBytes, oldestPendingAt } = progress;
    console.log(storedBytes, position ?? 0, appends, retries, pendingBytes, oldestPendingAt ?? 0);
  };
  const appendOptions: EachSet<AppendStreamOptions> = {
    maxAppendBytes: 2 ** 20,
    flushIntervalMs: 1000,
    maxBufferedBytes: 8 * 2 ** 20,
    requestTimeoutMs: 60_000,
    retry,
    resume: { at: 0, reopen: false },
    markComplete: true,
    signal: new AbortController().signal,
    mime: 'text/plain; charset=utf-8',
    headers: { 'x-oss-meta-build': '42' },
    onProgress,
  };
  const appended = await appendStream(client, 'c.log', Readable.from(['c']), appendOptions);
  await appendStream(client, 'c.log', Readable.from(['c']), { ...noAppendOption, retry: noRetryOption, resume: true });
  await appendStream(client, 'c.log', Readable.from(['c']), { resume: { at: undefined, reopen: undefined } });

  const followOptions: EachSet<FollowLogOptions> = {
    start: 0,
    pollIntervalMs: 500,
    giveUpAfterMs: 60_000,
    signal: new AbortController().signal,
    requestTimeoutMs: 10_000,
    retry,
  };
  const followed = followLog(client, 'c.log', followOptions);
  followLog(client, 'c.log', { ...noFollowOption, retry: noRetryOption }).destroy();

  await local.close();
  return streams.length + put.dataBytes + appended.bytes + followed.readableLength;
}
