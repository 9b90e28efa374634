import { describe, expect, it, vi } from 'vitest';
import { adviceFor } from '../../src/cli/advice.js';
import { parseCommand, type PutCommand } from '../../src/cli/arguments.js';
import {
  AppendConflictError,
  createOssClient,
  AppendGaveUpError,
  AppendRefusedError,
  explainUploadError,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  ProgressCallbackError,
  LogCompleteError,
  ResumeMismatchError,
} from '../../src/oss/index.js';
import type { AppendErrorKind } from '../../src/oss/append/explain.js';
import { attachUploadContext, type UploadContext } from '../../src/oss/upload-context.js';
import type { LocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { bodyStarted, ossEnv, refusingEndpoint, runInProcess } from '../support/cli.js';

muteUrllibWarnings();
const oss = useLocalOss();
const server = (idleLimitMs: number): Promise<LocalOss> => oss.start({ idleLimitMs });

const STACK_LINE = /^\s+at /m;
/** Names a command's user cannot act on: they belong to the library's API. */
const LIBRARY_WORDS = /createOssClient|putStreamWithHeartbeat|withHeartbeat|explainUploadError|appendStream|maxUploadMs|heartbeatAfterMs|idleLimitMs|AbortSignal/;

describe("a failed upload's line names the flag to change, never the library's API", () => {
  const command = parseCommand(['--idle-limit', '90s', '--heartbeat-after', '45s', '--max-upload', '90m', '--local', 'k'], {}) as PutCommand;
  // Each row: the kind explainUploadError named, and what the command's line must say about it.
  const rows: Array<[kind: string, advice: RegExp]> = [
    // Without the upload's context: no silence measured, no heartbeat known to have gone out.
    ['server-idle-close', /^the server closed the connection during a silence, before the first heartbeat \(due after 45s\).*Set --idle-limit to its limit, or lower --heartbeat-after/],
    ['request-time-limit', /heartbeats cannot help\. Use --append: it sends the input in short appends/],
    ['client-socket-timeout', /inactivity timeout \(--max-upload, now 90m\).*Raise --max-upload/],
    ['response-timeout', /longer than --max-upload \(now 90m\).*Raise --max-upload/],
    ['source-error', /^reading standard input failed \(EIO: i\/o error, read\), so nothing was stored/],
    ['aborted', /cancelled before the input ended, so nothing was stored/],
    ['unconfirmed-success', /answered success without OSS's evidence.*point --endpoint \(or --region\) at OSS itself/],
    ['connection-refused', /^nothing accepted the connection at the endpoint \(connection refused\), so nothing was stored\. The embedded/],
  ];

  it.each(rows)('%s', (kind, advice) => {
    const libraryMessage = 'Create the client with createOssClient (maxUploadMs) or use withHeartbeat.';
    const text = adviceFor({ kind, message: libraryMessage } as never, command, new Error('EIO: i/o error, read\n  at stack'));
    expect(text).toMatch(advice);
    expect(text).not.toMatch(LIBRARY_WORDS);
    expect(text).not.toContain('\n');
  });

  it("'other', or a kind this build does not know, is told in the library's words", () => {
    for (const kind of ['other', 'append-position-conflict']) {
      expect(adviceFor({ kind, message: 'The library says why.' } as never, command, new Error('x'))).toBe('The library says why.');
    }
  });

  it('source-error and aborted with --append do not say that nothing was stored: appends stay', () => {
    const appending = parseCommand(['--append', '--local', 'k'], {}) as PutCommand;
    const error = new Error('EIO: i/o error, read');
    expect(adviceFor({ kind: 'source-error', message: '' }, appending, error)).toBe(
      'reading standard input failed (EIO: i/o error, read); everything read before it was appended. Look at what feeds heartbeat-put.',
    );
    expect(adviceFor({ kind: 'aborted', message: '' }, appending, error)).toBe(
      'the appends were cancelled; what was appended stays in the object.',
    );
  });

  it("leaves the library's words as they are: the command words only the kinds it advises on, and rewrites no prose", () => {
    const message = 'The server closed the connection while the body was being sent: send shorter requests: append mode (appendStream).';
    expect(adviceFor({ kind: 'other', message }, command, new Error('x'))).toBe(message);
  });
});

describe('server-idle-close says what the upload saw: the silence, and whether a heartbeat had gone out', () => {
  const command = parseCommand(['--local', 'k'], {}) as PutCommand;
  const closedWith = (context: Partial<UploadContext>): Error => {
    const error = new Error('socket hang up');
    attachUploadContext(error, { elapsedMs: 6_000, silentMs: 5_012, sinceDataMs: 5_012, heartbeats: 0, maxSilenceMs: undefined, ...context });
    return error;
  };

  it('no heartbeat sent: the silence ended before the first was due', () => {
    expect(adviceFor({ kind: 'server-idle-close', message: '' }, command, closedWith({}))).toBe(
      'the server closed the connection after 5.0s of silence, before the first heartbeat (due after 30s): a server or ' +
        'proxy on the way ends idle requests sooner. Set --idle-limit to its limit, or lower --heartbeat-after.',
    );
  });

  it('heartbeats sent, the next one late: the silence outlasted what they allow', () => {
    const error = closedWith({ silentMs: 40_000, heartbeats: 3, maxSilenceMs: 31_875 });
    expect(adviceFor({ kind: 'server-idle-close', message: '' }, command, error)).toBe(
      'the server closed the connection after 40.0s of silence, though 3 heartbeats had gone out: the next one came later ' +
        'than the heartbeats allow (31.9s), as when the machine is overloaded. Lower --heartbeat-after, or set --idle-limit ' +
        'to the limit of the server or proxy on the way.',
    );
  });
});

describe('every appendStream error kind has a line that names the flag to change', () => {
  const command = parseCommand(['--append', '--retry-for', '90s', '--local', 'logs/k.log'], {}) as PutCommand;
  const account = { objectName: 'logs/k.log', storedBytes: 7, unconfirmedBytes: 0, unsentBytes: 0, position: 7, appends: 1, retries: 0 };
  const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedError', code: 'AccessDenied', status: 403 });
  const unavailable = Object.assign(new Error('busy'), { name: 'ServiceUnavailableError', code: 'ServiceUnavailable', status: 503 });
  // Each row: an error as appendStream raises it, its kind, and what the command's line must say.
  const rows: Array<[kind: AppendErrorKind, error: Error, advice: RegExp]> = [
    ['object-exists', new ObjectExistsError('Appendable', 500, account),
      /^logs\/k\.log already exists \(Appendable, 500 bytes\), and --append does not overwrite it\. Pass --resume to continue it, or choose a new key\.$/],
    ['object-exists', new ObjectExistsError('Normal', 500, account), /\(Normal, 500 bytes\).*Choose a new key: --resume continues only an object that --append created\.$/],
    ['not-appendable', new ObjectNotAppendableError('Normal', account), /^logs\/k\.log is a Normal object: .*so --resume cannot continue it\. Choose a new key\.$/],
    ['append-conflict', new AppendConflictError({ length: 14 }, { length: 21 }, account),
      /^another writer changed logs\/k\.log: this run expected 14 bytes, and found 21\. Give each build a key of its own/],
    ['append-conflict', new AppendConflictError({ length: 14, crc64: '1' }, { length: 14, crc64: '2' }, account),
      /^the content of logs\/k\.log is not what this run appended \(CRC-64 2, expected 1\)/],
    ['append-gave-up', new AppendGaveUpError(12, 90_400, unavailable, account),
      /^OSS stayed unreachable or failing for 90\.4s and 12 tries \(the last: ServiceUnavailableError ServiceUnavailable HTTP 503\), past --retry-for \(now 90s\)\. Raise --retry-for .* --resume\.$/],
    ['append-refused', new AppendRefusedError(denied, account),
      /^OSS refused a request \(AccessDeniedError AccessDenied HTTP 403\), and retrying cannot help\. .*--bucket/],
    ['object-too-large', new ObjectTooLargeError(5 * 2 ** 30, 100, account), /past 5GiB, OSS's limit for an appendable object\. Continue the log in a new key\.$/],
    ['progress-callback-threw', new ProgressCallbackError(new TypeError('x'), account), /\(TypeError\): a bug in heartbeat-put.* --resume continues it\.$/],
    [
      'object-too-large',
      new ObjectTooLargeError(5 * 2 ** 30, 100, account, { cause: Object.assign(new Error('too large'), { name: 'EntityTooLargeError', code: 'EntityTooLarge', status: 400 }) }),
      /^OSS refused an append to logs\/k\.log as too large \(EntityTooLargeError EntityTooLarge HTTP 400\): lower --max-append \(now 1MiB\)/,
    ],
    [
      'log-complete',
      new LogCompleteError(12, account),
      /^logs\/k\.log was marked complete by the run that wrote it, .* Pass --reopen to continue it anyway, or choose a new key\.$/,
    ],
    [
      'resume-mismatch',
      new ResumeMismatchError(6, 12, account),
      /^logs\/k\.log is 12 bytes long, not 6 as --resume-at says: nothing was appended, so the log is neither doubled nor cut\./,
    ],
  ];

  it.each(rows)('%s', (kind, error, advice) => {
    const explanation = explainUploadError(error);
    expect(explanation.kind).toBe(kind);
    const text = adviceFor(explanation, command, error);
    expect(text).toMatch(advice);
    expect(text).not.toMatch(LIBRARY_WORDS);
    expect(text).not.toMatch(/resume: true|retry\.attempts|maxElapsedMs/);
  });

  it('covers every kind appendStream names', () => {
    // A kind added to the library's type and missing here fails the type check.
    const kinds: Record<AppendErrorKind, true> = {
      'append-conflict': true,
      'append-gave-up': true,
      'append-refused': true,
      'not-appendable': true,
      'object-exists': true,
      'object-too-large': true,
      'progress-callback-threw': true,
      'resume-mismatch': true,
      'log-complete': true,
    };
    expect(new Set(rows.map(([kind]) => kind))).toEqual(new Set(Object.keys(kinds)));
  });
});

describe('failures end with exit 1 and one line', () => {
  it('a rejected signature: other, no stack trace, no secret, nothing stored', async () => {
    const local = await server(1_000);
    const secret = 'wrong-secret-that-must-never-print';
    const { code, stderr, stdout } = await runInProcess(['k.log'], ossEnv(local, { OSS_ACCESS_KEY_SECRET: secret }), ['x']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \(other\): .*SignatureDoesNotMatch.*\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(stderr + stdout.toString()).not.toContain(secret);
    expect(local.stats().stored).toBe(0);
  });

  it('a 5 s server idle limit, the default --idle-limit: server-idle-close, after 5 s of silence and no heartbeat', async () => {
    const local = await server(5_000);
    const { code, stderr } = await runInProcess(['k.log'], ossEnv(local), ['start\n', bodyStarted(local), 6_000, 'end\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^heartbeat-put: upload of k\.log failed \(server-idle-close\): the server closed the connection after 5\.\ds of silence, before the first heartbeat \(due after 30s\): .*--idle-limit.*--heartbeat-after\.\n$/,
    );
    expect(stderr).not.toMatch(LIBRARY_WORDS);
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 1 });
  });

  it('a refused connection: connection-refused, naming --endpoint and --region, not idle proxies', async () => {
    const endpoint = await refusingEndpoint();
    const env = { OSS_ACCESS_KEY_ID: 'id', OSS_ACCESS_KEY_SECRET: 'sk', OSS_BUCKET: 'logs', OSS_ENDPOINT: endpoint };
    const { code, stderr } = await runInProcess(['k.log'], env, ['x']).done;

    expect(code).toBe(1);
    expect(stderr).toBe(
      'heartbeat-put: upload of k.log failed (connection-refused): nothing accepted the connection at the endpoint ' +
        '(connection refused), so nothing was stored. Check --endpoint or --region (OSS_ENDPOINT, OSS_REGION), and if the ' +
        'endpoint is a local server, that it is running.\n',
    );
  });

  it("the library names a refused connection's kind, in its own words", async () => {
    const client = createOssClient({ accessKeyId: 'id', accessKeySecret: 'sk', bucket: 'logs', endpoint: await refusingEndpoint() });
    const error: unknown = await client.put('k.log', Buffer.from('x')).catch((caught: unknown) => caught);
    const { kind, message } = explainUploadError(error);
    expect(kind).toBe('connection-refused');
    expect(message).toMatch(/^Nothing accepted the connection at the endpoint \(ECONNREFUSED\), so nothing was sent or stored/);
    expect(message).not.toMatch(/idle|proxy|keep heartbeats/);
  });

  it('an upload longer than --max-upload: response-timeout, naming --max-upload', async () => {
    const local = await server(5_000);
    const { code, stderr } = await runInProcess(['--max-upload', '400ms', 'k.log'], ossEnv(local), ['start\n', 1_500, 'end\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \((response-timeout|client-socket-timeout)\): .*--max-upload \(now 400ms\).*Raise --max-upload/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(LIBRARY_WORDS);
    // Cut, not completed: and urllib's late warning about it has come and gone while muted.
    await vi.waitFor(() => expect(local.stats()).toMatchObject({ aborted: 1, stored: 0 }), WAIT);
  });
});
