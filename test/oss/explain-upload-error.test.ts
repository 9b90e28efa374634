import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { explainUploadError, uploadContextOf, type UploadContext } from '../../src/oss/index.js';
import { attachUploadContext } from '../../src/oss/upload-context.js';

/** An error as urllib raised it: the seed's logs show message and stack on one line. */
function seedError(name: string, code: string | undefined, logged: string): Error {
  const error = new Error(logged.slice(name.length + 2).split(' at ')[0]!.trim());
  return Object.assign(error, { name, code, stack: logged });
}

// The seed's first failure (mode 1): the agent destroyed the socket it had timed out.
const seedClientTimeout = seedError(
  'ResponseError',
  'ECONNRESET',
  'ResponseError: socket hang up (req "error"), PUT http://cbu-assets.oss-abc.aliyuncs.com/aa -1 (connected: true, keepalive socket: false, agent status: {"createSocketCount":1,"closeSocketCount":1,"errorSocketCount":0,"timeoutSocketCount":1,"requestCount":0,"freeSockets":{},"sockets":{},"requests":{}})headers: {} at createHangUpError (_http_client.js:331:15) at Socket.socketCloseListener (_http_client.js:363:23) at emitOne (events.js:121:20) at Socket.emit (events.js:211:7) at TCP._handle.close [as _onclose] (net.js:554:12)',
);
// Mode 3: OSS ended the connection (FIN).
const seedServerClose = seedError(
  'ResponseError',
  'ECONNRESET',
  'ResponseError: socket hang up (req "error"), PUT http://cbu-assets.oss-abc.aliyuncs.com/aa -1 at createHangUpError (_http_client.js:331:15) at Socket.socketOnEnd (_http_client.js:423:23)',
);
// Mode 2: urllib's response timer.
const seedResponseTimeout = seedError(
  'ResponseTimeoutError',
  undefined,
  'ResponseTimeoutError: Response timeout for 60000ms, PUT http://... at Timeout._onTimeout (.../urllib/lib/urllib.js:749:15)',
);

describe('explainUploadError', () => {
  it("tells the seed's three failures apart by the socket listener in their stacks", () => {
    expect(explainUploadError(seedClientTimeout)).toEqual({
      kind: 'client-socket-timeout',
      message: expect.stringContaining('createOssClient') as string,
    });
    expect(explainUploadError(seedServerClose)).toEqual({
      kind: 'server-idle-close',
      message:
        'The server closed the connection after the upload sent nothing for its idle limit (OSS: about 60 s). ' +
        'Upload through withHeartbeat / putStreamWithHeartbeat so a filler byte is sent before the limit.',
    });
    expect(explainUploadError(seedResponseTimeout)).toEqual({
      kind: 'response-timeout',
      message: expect.stringContaining('(60000 ms)') as string,
    });
  });

  it("recognises agentkeepalive 4's own socket timeout error", () => {
    const error = Object.assign(new Error('Socket timeout'), { code: 'ERR_SOCKET_TIMEOUT', timeout: 8000 });
    expect(explainUploadError(error).kind).toBe('client-socket-timeout');
  });

  it('counts an idle limit answered with a status (nginx 408, S3 RequestTimeout) as the server closing', () => {
    const nginx = Object.assign(new Error('Unknow error, status: 408'), { name: 'UnknownError', status: 408 });
    const s3 = Object.assign(new Error('Your socket connection to the server was not read from or written to.'), {
      code: 'RequestTimeout',
      status: 400,
    });
    expect(explainUploadError(nginx).kind).toBe('server-idle-close');
    expect(explainUploadError(s3).kind).toBe('server-idle-close');
  });

  it('treats a hang-up without a stack (ali-oss 6 rebuilds network errors) as the server closing', () => {
    const error = Object.assign(
      new Error('socket hang up, PUT http://127.0.0.1:1234/k -1 (connected: true, keepalive socket: false)\nheaders: {}'),
      { name: 'ResponseError', code: 'ResponseError', status: -1 },
    );
    expect(explainUploadError(error).kind).toBe('server-idle-close');
  });

  it("recognises AbortErrors, Node's and the DOM's", () => {
    expect(explainUploadError(new DOMException('This operation was aborted', 'AbortError')).kind).toBe('aborted');
    expect(explainUploadError(Object.assign(new Error('aborted'), { name: 'AbortError' })).kind).toBe('aborted');
  });

  it('calls anything else other, naming its code and status without the request', () => {
    const error = Object.assign(new Error('Access denied by bucket policy.'), {
      name: 'AccessDeniedError',
      code: 'AccessDenied',
      status: 403,
    });
    expect(explainUploadError(error)).toEqual({
      kind: 'other',
      message: expect.stringMatching(/^The upload failed with AccessDenied \(HTTP 403\): "Access denied by bucket/) as string,
    });
    const network = Object.assign(new Error('premature close, PUT http://127.0.0.1:1234/k -1 (connected: true)'), {
      name: 'ResponseError',
      status: -1,
    });
    expect(explainUploadError(network).message).toMatch(/^The upload failed with ResponseError: "premature close"\. /);
    const reset = Object.assign(new Error('read ECONNRESET, PUT http://127.0.0.1:1234/k -1 (connected: true)'), {
      name: 'ResponseError',
      code: 'ResponseError',
      status: -1,
    });
    expect(explainUploadError(reset)).toEqual({
      kind: 'other',
      message: expect.stringMatching(/^The connection failed \(ECONNRESET\) before the upload completed, so nothing was stored\./) as string,
    });
    expect(explainUploadError('boom')).toMatchObject({ kind: 'other' });
    expect(explainUploadError(undefined)).toMatchObject({ kind: 'other' });
  });
});

describe('explainUploadError with the context putStreamWithHeartbeat attaches', () => {
  // A hang-up as ali-oss 6.23 reports a FIN, and a 408 as it reports nginx's or Node's.
  const hangUp = () =>
    Object.assign(new Error('socket hang up, PUT http://127.0.0.1:1234/k -1 (connected: true)'), {
      name: 'ResponseError',
      status: -1,
    });
  const status408 = () => Object.assign(new Error('Unknow error, status: 408'), { name: 'UnknownError', status: 408 });
  const withContext = (error: Error, context: Partial<UploadContext>): Error => {
    attachUploadContext(error, { elapsedMs: 5000, silentMs: 50, sinceDataMs: 4000, heartbeats: 3, maxSilenceMs: 1063, ...context });
    return error;
  };

  it('is found by any copy of the package, and stays out of what inspect() shows', () => {
    const error = withContext(hangUp(), {});
    expect(uploadContextOf(error)).toMatchObject({ elapsedMs: 5000, heartbeats: 3 });
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('heartbeat-readable.uploadContext')]).toBe(
      uploadContextOf(error),
    );
    expect(inspect(error)).not.toContain('elapsedMs');
  });

  it('calls a close after a silence longer than the heartbeats allow idle: the event loop was blocked', () => {
    const explanation = explainUploadError(withContext(hangUp(), { silentMs: 5000, sinceDataMs: 5000 }));
    expect(explanation.kind).toBe('server-idle-close');
    expect(explanation.message).toContain('the event loop was blocked');
  });

  it('calls a timeout status while data was flowing, without any heartbeat, a limit on the whole request', () => {
    const error = withContext(status408(), { heartbeats: 0, maxSilenceMs: undefined, silentMs: 3, sinceDataMs: 3 });
    expect(explainUploadError(error)).toEqual({
      kind: 'request-time-limit',
      message: expect.stringContaining('although the body was being sent') as string,
    });
  });

  it('without heartbeats, and not sending, a close is an idle limit shorter than heartbeatAfterMs', () => {
    const error = withContext(status408(), { heartbeats: 0, maxSilenceMs: undefined, silentMs: 700, sinceDataMs: 700 });
    expect(explainUploadError(error)).toEqual({
      kind: 'server-idle-close',
      message: expect.stringContaining('an idle limit shorter than heartbeatAfterMs') as string,
    });
  });
});
