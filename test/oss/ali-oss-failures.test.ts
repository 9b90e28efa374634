import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { explainUploadError } from '../../src/oss/index.js';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { rejectionOf } from '../support/settlement.js';
import { silentAfter } from '../support/sources.js';

// Plain ali-oss against a server with OSS's idle rule: the failures putStreamWithHeartbeat exists to avoid,
// and the real errors explainUploadError must recognise.
const oss = useLocalOss();
muteUrllibWarnings();

describe('plain ali-oss with a silent source', () => {
  it('is ended by the server after its idle limit: server-idle-close, nothing stored', async () => {
    const local = await oss.start({ idleLimitMs: 400 });
    // Default options: the client's 60 s timers are far longer than the server's limit.
    const client = new OSS(local.clientOptions());
    const source = silentAfter('step 1 of 2\n');
    oss.defer(() => source.destroy());

    const started = Date.now();
    const error = await rejectionOf(client.putStream('build.log', source));

    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ name: 'ResponseError', status: -1 });
    expect(error.message).toMatch(/^socket hang up/);
    expect(explainUploadError(error).kind).toBe('server-idle-close');
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 1 });
    expect(local.getObject('build.log')).toBeUndefined();
  });

  it('runs out of a short response timeout first: response-timeout, nothing stored', async () => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const client = new OSS({ ...local.clientOptions(), timeout: 200 });
    const source = silentAfter('step 1 of 2\n');
    oss.defer(() => source.destroy());

    const error = await rejectionOf(client.putStream('build.log', source));

    expect(error.name).toBe('ResponseTimeoutError');
    expect(explainUploadError(error)).toEqual({
      kind: 'response-timeout',
      message: expect.stringContaining('(200 ms)') as string,
    });
    expect(local.stats()).toMatchObject({ stored: 0, idleClosed: 0 });
  });
});
