/**
 * Errors users can program against, on the installed package: every error class is exported with the `code`
 * README.md's table gives it, real failures are instances of the exported classes, and a bad option throws a
 * TypeError or RangeError with Node's code and the option's name.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { muteUrllibWarnings } from '../support/local-oss.js';
import { importInstalled } from './installed.js';
import { README } from './readme-blocks.js';
import type * as Core from '../../src/index.js';
import type * as Oss from '../../src/oss/index.js';
import type * as Testing from '../../src/testing/index.js';

let core: typeof Core;
let oss: typeof Oss;
let testing: typeof Testing;
let local: Testing.LocalOss;
let client: ReturnType<typeof Oss.createOssClient>;

beforeAll(async () => {
  ({ core, oss, testing } = await importInstalled());
  local = await testing.startLocalOss();
  client = oss.createOssClient(local.clientOptions());
}, 120_000);

afterAll(() => local?.close());

/** The table under "Each error below has a stable `code`": a row per class, its codes, and where it comes from. */
function errorTable(): Array<{ name: string; codes: string[]; from: string }> {
  const lines = README.slice(README.indexOf('| class | `code` | from |')).split('\n');
  const rows = lines.slice(2, lines.findIndex((line) => !line.startsWith('|')));
  return rows.map((row) => {
    const [name, codes, from] = row.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, ''));
    return { name: name!.replaceAll('`', ''), codes: [...codes!.matchAll(/`([A-Z_]+)`/g)].map(([, code]) => code!), from: from! };
  });
}

/** The codes README.md lists for followLog's FollowLogError. */
const followLogCodes = (): string[] => {
  const paragraph = README.slice(README.indexOf('It errors with a `FollowLogError`'));
  return [...paragraph.slice(0, paragraph.indexOf('\n\n')).matchAll(/`((?:ERR|ABORT)_[A-Z_]+)`/g)].map(([, code]) => code!);
};

const account = { objectName: 'a.log', storedBytes: 0, unconfirmedBytes: 0, unsentBytes: 0, position: 0, appends: 0, retries: 0 };
/** One of each exported error class, built as the package builds it. */
const examples: Record<string, (exports: typeof Oss) => Error> = {
  AbortError: (o) => new o.AbortError(new Error('aborted'), true),
  UnconfirmedSuccessError: (o) => new o.UnconfirmedSuccessError(200),
  AppendConflictError: (o) => new o.AppendConflictError({ length: 1 }, { length: 2 }, account),
  AppendGaveUpError: (o) => new o.AppendGaveUpError(3, 1000, new Error('reset'), account),
  AppendRefusedError: (o) => new o.AppendRefusedError(new Error('denied'), account),
  ObjectNotAppendableError: (o) => new o.ObjectNotAppendableError('Normal', account),
  ObjectExistsError: (o) => new o.ObjectExistsError('Appendable', 5, account),
  ObjectTooLargeError: (o) => new o.ObjectTooLargeError(5, 1, account),
  ResumeMismatchError: (o) => new o.ResumeMismatchError(5, 6, account),
  LogCompleteError: (o) => new o.LogCompleteError(5, account),
  ProgressCallbackError: (o) => new o.ProgressCallbackError(new Error('thrown'), account),
  AppendAbortedError: (o) => new o.AppendAbortedError(new Error('aborted'), account),
  FollowLogError: (o) => new o.FollowLogError('ERR_LOG_STALLED', 'a.log', 0, 'the log stopped growing'),
  NotOssAnswerError: (o) => new o.NotOssAnswerError('GET', 200, 'x-oss-request-id'),
  RequestCancelledError: (o) => new o.RequestCancelledError('by the abort'),
};

describe("README.md's table of errors", () => {
  const table = errorTable();
  const ownClasses = table.filter(({ name }) => name !== 'TypeError' && name !== 'RangeError');

  it('lists every error class the entries export, each once', () => {
    const exported = [core, oss, testing].flatMap((entry) =>
      Object.entries(entry)
        .filter(([, value]) => typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof Error)
        .map(([name]) => name),
    );
    expect(exported.filter((name) => name !== 'AppendStreamError').sort()).toEqual(ownClasses.map(({ name }) => name).sort());
    expect(new Set(table.map(({ name }) => name)).size).toBe(table.length);
  });

  it.each(ownClasses)('$name: exported from heartbeat-readable/oss, with its code, from what the row says', ({ name, codes, from }) => {
    const Class = oss[name as keyof typeof Oss] as unknown as abstract new (...args: never[]) => Error;
    const error = examples[name]!(oss) as Error & { code: string };
    expect(error).toBeInstanceOf(Class);
    expect(error.name === name || error.code === 'ABORT_ERR').toBe(true);
    expect(error.code).toBe(name === 'FollowLogError' ? 'ERR_LOG_STALLED' : codes[0]);
    if (name === 'FollowLogError') expect(followLogCodes()).toContain(error.code);
    else expect(codes).toHaveLength(1);
    // Where it comes from: a function of the entry (appendStream's extend AppendStreamError), or a cause.
    const [source] = /^`(\w+)`/.exec(from)?.slice(1) ?? [];
    if (source === undefined) expect(from).toMatch(/^a `cause`/);
    else expect(typeof oss[source as keyof typeof Oss]).toBe('function');
    expect(error instanceof oss.AppendStreamError).toBe(source === 'appendStream');
    if (source === 'appendStream') expect(oss.appendAccountOf(error)).toEqual(account);
    // The fields it names after the semicolon.
    const fields = [...(from.split('; ')[1] ?? '').matchAll(/`(\w+)`/g)].map(([, field]) => field!);
    expect(fields.filter((field) => !(field in error))).toEqual([]);
  });

  it('gives TypeError and RangeError the codes the bad options below throw', () => {
    const rows = table.filter(({ name }) => name === 'TypeError' || name === 'RangeError');
    expect(Object.fromEntries(rows.map(({ name, codes }) => [name, codes]))).toEqual({
      TypeError: ['ERR_INVALID_ARG_TYPE'],
      RangeError: ['ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE'],
    });
    expect(rows.map(({ from }) => from).join(' ')).toContain("`option` (`'retry.attempts'`)");
  });
});

// A request that fails after its answer makes urllib warn with a stack: the test's expected failures, not news.
muteUrllibWarnings();

describe('real failures are instances of the exported classes', () => {
  it("putStreamWithHeartbeat's signal: an AbortError, with bodySent", async () => {
    const controller = new AbortController();
    const upload = oss.putStreamWithHeartbeat(client, 'aborted.log', new Readable({ read() {} }), { signal: controller.signal });
    controller.abort();
    const error: unknown = await upload.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oss.AbortError);
    expect(error).toMatchObject({ code: 'ABORT_ERR', bodySent: false });
  });

  it("putStreamWithHeartbeat's body destroyed: an AbortError", async () => {
    const body = new core.HeartbeatReadable();
    const upload = oss.putStreamWithHeartbeat(client, 'destroyed.log', body);
    body.push('step 1\n');
    await once(body, 'data');
    body.destroy();
    await expect(upload).rejects.toBeInstanceOf(oss.AbortError);
  });

  it('putStreamWithHeartbeat answered by something other than OSS: an UnconfirmedSuccessError, with status', async () => {
    // A proxy's bare 200: no ETag, no x-oss-request-id.
    const proxy: Server = createServer((request, response) => request.resume().on('end', () => response.end()));
    await once(proxy.listen(0, '127.0.0.1'), 'listening');
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const lied = oss.createOssClient({ ...local.clientOptions(), endpoint });
      const error: unknown = await oss.putStreamWithHeartbeat(lied, 'a.log', Readable.from(['step 1\n'])).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(oss.UnconfirmedSuccessError);
      expect(error).toMatchObject({ code: 'ERR_UNCONFIRMED_SUCCESS', status: 200 });
    } finally {
      proxy.close();
    }
  });

  it('appendStream on an existing object: an ObjectExistsError, an AppendStreamError', async () => {
    await client.put('exists.log', Buffer.from('old'));
    const error: unknown = await oss.appendStream(client, 'exists.log', Readable.from(['new'])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oss.ObjectExistsError);
    expect(error).toBeInstanceOf(oss.AppendStreamError);
    expect(error).toMatchObject({ code: 'ERR_OBJECT_EXISTS', existingBytes: 3 });
  });
});

type Case = [string, () => unknown, 'TypeError' | 'RangeError', 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE', string];

const source = (): Readable => Readable.from(['step 1\n']);
const credentials = (): { accessKeyId: string; accessKeySecret: string } => ({
  accessKeyId: local.accessKeyId,
  accessKeySecret: local.accessKeySecret,
});
const append = (options: unknown): Promise<unknown> => oss.appendStream(client, 'a.log', source(), options as Oss.AppendStreamOptions);
const put = (options: unknown): Promise<unknown> => oss.putStreamWithHeartbeat(client, 'a.log', source(), options as Oss.PutStreamWithHeartbeatOptions);
const heartbeat = (options: unknown): unknown => new core.HeartbeatReadable(options as Core.HeartbeatOptions);
const ossClient = (options: object): unknown => oss.createOssClient({ ...credentials(), ...options });
const localOss = async (options: unknown): Promise<void> => (await testing.startLocalOss(options as Testing.LocalOssOptions)).close();

// [what, call, class, code, option]: every check of every function, or one of each kind where they share one.
const cases: Case[] = [
  ['HeartbeatReadable: a string for a number', () => heartbeat({ idleLimitMs: '60s' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'idleLimitMs'],
  ['HeartbeatReadable: a negative number', () => heartbeat({ idleLimitMs: -1 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'idleLimitMs'],
  ['HeartbeatReadable: an idle limit too short', () => heartbeat({ idleLimitMs: 2 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'idleLimitMs'],
  ['HeartbeatReadable: heartbeats too late', () => heartbeat({ heartbeatAfterMs: 59_000 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'heartbeatAfterMs'],
  ['HeartbeatReadable: a number for a filler', () => heartbeat({ filler: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'filler'],
  ['HeartbeatReadable: an empty filler', () => heartbeat({ filler: '' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'filler'],
  ['HeartbeatReadable: a lone surrogate', () => heartbeat({ filler: '\ud800' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'filler'],
  ['HeartbeatReadable: not UTF-8', () => heartbeat({ filler: new Uint8Array([0xff]) }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'filler'],
  ['HeartbeatReadable: a string for a boolean', () => heartbeat({ utf8Safe: 'yes' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'utf8Safe'],
  ['HeartbeatReadable: half the timers', () => heartbeat({ timers: { setTimeout } }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'timers.clearTimeout'],
  ['HeartbeatReadable: object mode', () => heartbeat({ objectMode: true }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'objectMode'],
  ['withHeartbeat: options not an object', () => core.withHeartbeat(source(), 5 as never), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'options'],
  ['createOssClient: no options', () => oss.createOssClient(undefined as never), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'options'],
  ['createOssClient: a number for a key ID', () => ossClient({ accessKeyId: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'accessKeyId'],
  ['createOssClient: an empty secret', () => ossClient({ accessKeySecret: '' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'accessKeySecret'],
  ['createOssClient: a boolean timeout', () => ossClient({ timeout: true }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'timeout'],
  ['createOssClient: a timeout it cannot read', () => ossClient({ timeout: 'soon' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'timeout'],
  ['createOssClient: a negative timeout', () => ossClient({ timeout: -5 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'timeout'],
  ['createOssClient: a number endpoint', () => ossClient({ endpoint: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'endpoint'],
  ['createOssClient: an FTP endpoint', () => ossClient({ endpoint: 'ftp://example.com' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'endpoint'],
  ['createOssClient: a region with a dot', () => ossClient({ region: 'oss-cn.hangzhou' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'region'],
  ['createOssClient: a bucket holding the secret', () => ossClient({ bucket: local.accessKeySecret }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'bucket'],
  ['createOssClient: a string for a flag', () => ossClient({ secure: 'yes' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'secure'],
  ['createOssClient: an agent that is none', () => ossClient({ agent: {} }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'agent'],
  ['createOssClient: a zero upload time', () => ossClient({ maxUploadMs: 0 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'maxUploadMs'],
  ['putStreamWithHeartbeat: no client', () => oss.putStreamWithHeartbeat({} as never, 'a.log', source()), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'client'],
  ['putStreamWithHeartbeat: a number for a name', () => oss.putStreamWithHeartbeat(client, 5 as never, source()), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'name'],
  ['putStreamWithHeartbeat: a name OSS refuses', () => oss.putStreamWithHeartbeat(client, '/a.log', source()), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'name'],
  ['putStreamWithHeartbeat: a length', () => put({ contentLength: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'contentLength'],
  ['putStreamWithHeartbeat: a Content-Length header', () => put({ headers: { 'Content-Length': '5' } }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'headers["Content-Length"]'],
  ['putStreamWithHeartbeat: a number for a signal', () => put({ signal: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'signal'],
  ['putStreamWithHeartbeat: heartbeat options twice', () => oss.putStreamWithHeartbeat(client, 'a.log', new core.HeartbeatReadable(), { heartbeat: {} }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'heartbeat'],
  ['appendStream: a fraction of a byte', () => append({ maxAppendBytes: 1.5 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'maxAppendBytes'],
  ['appendStream: less buffered than an append', () => append({ maxAppendBytes: 100, maxBufferedBytes: 10 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'maxBufferedBytes'],
  ['appendStream: no attempt', () => append({ retry: { attempts: 0 } }), 'RangeError', 'ERR_OUT_OF_RANGE', 'retry.attempts'],
  ['appendStream: delays the wrong way round', () => append({ retry: { minDelayMs: 100, maxDelayMs: 10 } }), 'RangeError', 'ERR_OUT_OF_RANGE', 'retry.maxDelayMs'],
  ['appendStream: a string for resume', () => append({ resume: 'yes' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'resume'],
  ['appendStream: a negative resume.at', () => append({ resume: { at: -1 } }), 'RangeError', 'ERR_OUT_OF_RANGE', 'resume.at'],
  ['appendStream: a number for a type', () => append({ mime: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'mime'],
  ['appendStream: an empty type', () => append({ mime: '' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'mime'],
  ['appendStream: a header it sets itself', () => append({ headers: { 'Content-MD5': 'x' } }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'headers["Content-MD5"]'],
  ['appendStream: a header name with a space', () => append({ headers: { 'x oss': 'a' } }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'headers'],
  ['appendStream: a number for a header', () => append({ headers: { 'x-oss-meta-a': 5 } }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'headers["x-oss-meta-a"]'],
  ['appendStream: a header past Latin-1', () => append({ headers: { 'x-oss-meta-a': '€' } }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'headers["x-oss-meta-a"]'],
  ['appendStream: a string for a callback', () => append({ onProgress: 'log' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'onProgress'],
  ['appendStream: a string for markComplete', () => append({ markComplete: 'yes' }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'markComplete'],
  ['followLog: a negative start', () => oss.followLog(client, 'a.log', { start: -1 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'start'],
  ['followLog: a string for a poll interval', () => oss.followLog(client, 'a.log', { pollIntervalMs: '1s' as never }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'pollIntervalMs'],
  ['startLocalOss: a port past 65535', () => localOss({ port: 70_000 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'port'],
  ['startLocalOss: an empty host', () => localOss({ host: '' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'host'],
  ['startLocalOss: a number for a host', () => localOss({ host: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'host'],
  ['startLocalOss: a number for a clock', () => localOss({ now: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'now'],
  ['startLocalOss: a bucket name OSS refuses', () => localOss({ bucket: 'A' }), 'RangeError', 'ERR_INVALID_ARG_VALUE', 'bucket'],
  ['startLocalOss: a number for a key ID', () => localOss({ accessKeyId: 5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'accessKeyId'],
  ['faults.inject: no fault at all', () => local.faults.inject({ kind: 'internal-error', count: 0 }), 'RangeError', 'ERR_OUT_OF_RANGE', 'count'],
  ['faults.goOffline: a negative time', () => local.faults.goOffline(-1), 'RangeError', 'ERR_OUT_OF_RANGE', 'ms'],
];

/** What a call throws, or what its promise rejects with. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

describe('a bad option throws a TypeError or RangeError with Node-style code and the option it names', () => {
  it.each(cases)('%s', async (_what, call, kind, code, option) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(kind === 'TypeError' ? TypeError : RangeError);
    expect(error).toMatchObject({ name: kind, code, option });
    // The message names the option, as it did before it had a code.
    expect((error as Error).message).toContain(option === 'headers' ? 'headers names' : option);
  });

  it("faults.inject: an unknown kind (the fault's own checks)", async () => {
    const error = await failure(() => local.faults.inject({ kind: 'power-cut' as never }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', option: 'kind' });
  });
});
