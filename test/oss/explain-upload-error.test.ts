import { describe, expect, it } from 'vitest';
import { explainUploadError } from '../../src/oss/index.js';

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
