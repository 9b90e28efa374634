/**
 * An option given as undefined means what leaving it out means, for every function of the installed package: the
 * types take `{ endpoint: process.env.OSS_ENDPOINT }` under exactOptionalPropertyTypes (types.test.ts), and here is
 * what the code does with it. The objects with every option undefined are the type fixture's: each lists every
 * option, or it does not compile.
 */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { importInstalled } from './installed.js';
import {
  noAppendOption,
  noClientOption,
  noFollowOption,
  noHeartbeatOption,
  noLocalOption,
  noPutOption,
  noRetryOption,
} from './types/every-option.js';
import type * as Core from '../../src/index.js';
import type * as Oss from '../../src/oss/index.js';
import type * as Testing from '../../src/testing/index.js';

let core: typeof Core;
let oss: typeof Oss;
let testing: typeof Testing;
let local: Testing.LocalOss;

beforeAll(async () => {
  ({ core, oss, testing } = await importInstalled());
  local = await testing.startLocalOss();
}, 120_000);

afterAll(() => local?.close());

afterEach(() => {
  vi.useRealTimers();
});

describe('an option given as undefined is an option left out', () => {
  /** What a stream shows of its options: its Readable settings, and its fillers over five silent minutes. */
  function observed(stream: Core.HeartbeatReadable): object {
    vi.useFakeTimers();
    stream.resume();
    vi.advanceTimersByTime(5 * 60_000);
    const seen = {
      highWaterMark: stream.readableHighWaterMark,
      objectMode: stream.readableObjectMode,
      encoding: stream.readableEncoding,
      heartbeats: stream.heartbeats,
      // resume() lets the stream flow on the next tick, which the fake clock does not run: the fillers wait.
      fillers: String(stream.pause().read()),
    };
    stream.destroy();
    return seen;
  }

  it('new HeartbeatReadable(options)', () => {
    const seen = observed(new core.HeartbeatReadable(noHeartbeatOption));
    expect(seen).toEqual(observed(new core.HeartbeatReadable({})));
    expect(seen).toMatchObject({ heartbeats: 10, fillers: ' '.repeat(10) });
  });

  it('withHeartbeat(source, options)', () => {
    const silent = (): Readable => new Readable({ read() {} });
    expect(observed(core.withHeartbeat(silent(), noHeartbeatOption))).toEqual(observed(core.withHeartbeat(silent(), {})));
  });

  it('createOssClient(options)', () => {
    const credentials = { accessKeyId: local.accessKeyId, accessKeySecret: local.accessKeySecret };
    /** The client's options as ali-oss resolved them, its agents by their settings. */
    const settings = (client: ReturnType<typeof oss.createOssClient>): unknown => {
      const { agent, httpsAgent, ...options } = (client as unknown as { options: Record<string, { options?: unknown }> }).options;
      return { ...options, agent: agent?.options, httpsAgent: httpsAgent?.options };
    };
    expect(settings(oss.createOssClient({ ...credentials, ...noClientOption }))).toStrictEqual(settings(oss.createOssClient(credentials)));
  });

  /** A client whose calls of `method` record the options they were given, as given. */
  function recording<M extends 'putStream' | 'append'>(method: M): { client: ReturnType<typeof oss.createOssClient>; calls: unknown[] } {
    const client = oss.createOssClient(local.clientOptions());
    const calls: unknown[] = [];
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(client, {
      [method]: (...args: unknown[]) => {
        calls.push({ ...(args.at(-1) as object) });
        return original(...args);
      },
    });
    return { client, calls };
  }

  it('putStreamWithHeartbeat(client, name, source, options), and its heartbeat option', async () => {
    const { client, calls } = recording('putStream');
    const left = await oss.putStreamWithHeartbeat(client, 'left-out.log', Readable.from(['step 1\n']));
    const given = await oss.putStreamWithHeartbeat(client, 'undefined.log', Readable.from(['step 1\n']), noPutOption);
    await oss.putStreamWithHeartbeat(client, 'nested.log', Readable.from(['step 1\n']), { heartbeat: noHeartbeatOption });
    expect(calls[1]).toStrictEqual(calls[0]);
    expect(calls[2]).toStrictEqual(calls[0]);
    expect([given.heartbeats, given.dataBytes]).toEqual([left.heartbeats, left.dataBytes]);
    expect(local.getObject('undefined.log')).toEqual(local.getObject('left-out.log'));
  });

  it('appendStream(client, name, source, options)', async () => {
    const { client, calls } = recording('append');
    const left = await oss.appendStream(client, 'left-out.append.log', Readable.from(['step 1\n']));
    const given = await oss.appendStream(client, 'undefined.append.log', Readable.from(['step 1\n']), noAppendOption);
    expect(calls[1]).toStrictEqual(calls[0]);
    expect({ ...given, name: '' }).toEqual({ ...left, name: '' });
    expect(local.getObject('undefined.append.log')).toEqual(local.getObject('left-out.append.log'));
  });

  it('followLog(client, name, options)', async () => {
    const client = oss.createOssClient(local.clientOptions());
    await oss.appendStream(client, 'followed.log', Readable.from(['step 1\n', 'step 2\n']));
    const given = await text(oss.followLog(client, 'followed.log', noFollowOption));
    expect(given).toBe(await text(oss.followLog(client, 'followed.log')));
    expect(given).toBe('step 1\nstep 2\n');
  });

  it("appendStream's retry option", async () => {
    const client = oss.createOssClient(local.clientOptions());
    const appending = oss.appendStream(client, 'retry.log', Readable.from(['step 1\n']), { retry: noRetryOption });
    await expect(appending).resolves.toMatchObject({ bytes: 7 });
  });

  it('startLocalOss(options)', async () => {
    /** What a server's defaults show: where it listens, its client options, and the shape of what it generated. */
    const defaults = (server: Testing.LocalOss): object => {
      const { endpoint, bucket, accessKeyId, accessKeySecret, ...rest } = server.clientOptions();
      const generated = [bucket!.replace(/[0-9a-f]+$/, ''), accessKeyId.slice(0, 4), ...[bucket, accessKeyId, accessKeySecret].map((value) => value!.length)];
      return { ...rest, host: new URL(endpoint!).hostname, generated };
    };
    const [given, left] = await Promise.all([testing.startLocalOss(noLocalOption), testing.startLocalOss()]);
    try {
      expect(defaults(given)).toEqual(defaults(left));
    } finally {
      await Promise.all([given.close(), left.close()]);
    }
  });

  it('faults.inject(fault)', async () => {
    // FaultSpec's types do not take undefined yet (src/testing/local-oss/faults.ts); the code does.
    local.faults.inject({ kind: 'internal-error', count: undefined, match: undefined, closeAfterMs: undefined } as unknown as Testing.FaultSpec);
    const client = oss.createOssClient(local.clientOptions());
    await expect(client.put('fault.log', Buffer.from('a'))).rejects.toMatchObject({ status: 500 });
    await expect(client.put('fault.log', Buffer.from('a'))).resolves.toMatchObject({ res: { status: 200 } });
  });
});
