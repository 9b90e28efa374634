import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { explainUploadError, putStreamWithHeartbeat } from '../../src/oss/index.js';
import type { LocalOss } from '../../src/testing/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { muteUrllibWarnings, useLocalOss, WAIT } from '../support/local-oss.js';
import { paced, silentAfter } from '../support/sources.js';
import { rejectionOf } from '../support/settlement.js';

const oss = useLocalOss();
muteUrllibWarnings();
// A long server limit: only the failure under test may end the upload.
const heartbeat = { idleLimitMs: 800, heartbeatAfterMs: 200 };

/** Resolves once the server holds the first bytes of a body: the upload is under way. */
async function bodyStarted(local: LocalOss): Promise<void> {
  await vi.waitFor(() => expect(local.stats().bodyBytesBuffered).toBeGreaterThan(0), WAIT);
}

describe('putStreamWithHeartbeat when the source fails', () => {
  it("rejects promptly with the source's own error, and nothing is stored", async () => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const client = oss.heartbeatClient(local);
    const failure = new Error('compiler crashed');
    let crash!: () => void;
    const crashed = new Promise<void>((resolve) => (crash = resolve));
    const source = (async function* () {
      yield Buffer.from('step 1\n');
      await crashed;
      throw failure;
    })();
    const controller = new AbortController();

    const rejected = rejectionOf(putStreamWithHeartbeat(client, 'build.log', source, { heartbeat, signal: controller.signal }));
    await bodyStarted(local);
    const started = Date.now();
    crash();
    const error = await rejected;

    expect(error).toBe(failure);
    // Far below any timeout: destroying the source reached the request (ali-oss #752).
    expect(Date.now() - started).toBeLessThan(1500);
    expect(explainUploadError(error)).toEqual({
      kind: 'source-error',
      message: expect.stringContaining('compiler crashed') as string,
    });
    await vi.waitFor(() => expect(local.stats()).toMatchObject({ aborted: 1, stored: 0 }), WAIT);
    expect(local.getObject('build.log')).toBeUndefined();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the error a Node stream was destroyed with', async () => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const client = oss.heartbeatClient(local);
    const source = silentAfter('step 1\n');
    const failure = new Error('runner killed');

    const upload = putStreamWithHeartbeat(client, 'build.log', source, { heartbeat });
    await bodyStarted(local);
    source.destroy(failure);
    await expect(upload).rejects.toBe(failure);
    await vi.waitFor(() => expect(local.stats()).toMatchObject({ aborted: 1, stored: 0 }), WAIT);
  });
});

describe('putStreamWithHeartbeat with an AbortSignal', () => {
  it('aborted mid-upload: AbortError with the reason as cause and bodySent false, source destroyed, nothing stored', async () => {
    const local = await oss.start({ idleLimitMs: 10_000 });
    const client = oss.heartbeatClient(local);
    const source = silentAfter('step 1\n');
    const controller = new AbortController();
    const reason = new Error('build cancelled');

    const rejected = rejectionOf(putStreamWithHeartbeat(client, 'build.log', source, { heartbeat, signal: controller.signal }));
    await bodyStarted(local);
    controller.abort(reason);
    const error = await rejected;

    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason, bodySent: false });
    expect(error.message).toBe('The upload was aborted before its whole body was sent: nothing was stored');
    expect(explainUploadError(error).kind).toBe('aborted');
    expect(source.destroyed).toBe(true);
    await vi.waitFor(() => expect(local.stats()).toMatchObject({ aborted: 1, stored: 0 }), WAIT);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborted after the whole body was sent: bodySent true, and the server stores the object', async () => {
    const local = await oss.start();
    // Holds the server's answer back, so the abort comes between the last body byte and the response.
    const proxy = await startFaultProxy(local.endpoint, { holdResponses: true });
    oss.defer(() => proxy.close());
    const client = oss.heartbeatClient(local, { endpoint: proxy.endpoint });
    const controller = new AbortController();
    const reason = new Error('build cancelled');

    const upload = putStreamWithHeartbeat(client, 'build.log', paced([Buffer.from('the whole log\n')], 0), {
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(local.getObject('build.log')).toBeDefined(), WAIT);
    controller.abort(reason);
    const error = await rejectionOf(upload);
    proxy.releaseResponses();

    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason, bodySent: true });
    expect(error.message).toBe(
      'The upload was aborted after its whole body was sent: the server may have stored the complete object',
    );
    expect(explainUploadError(error)).toEqual({
      kind: 'aborted',
      message: expect.stringMatching(/^The upload was aborted after its whole body had been sent: the server may have stored the complete object\./) as string,
    });
    expect(local.getObject('build.log')!.toString()).toBe('the whole log\n');
  });

  it('already aborted: AbortError at once, without a request', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const putStream = vi.spyOn(client, 'putStream');
    const source = silentAfter('step 1\n');
    const reason = new Error('cancelled before start');

    const error = await rejectionOf(
      putStreamWithHeartbeat(client, 'build.log', source, { signal: AbortSignal.abort(reason) }),
    );

    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason, bodySent: false });
    expect(putStream).not.toHaveBeenCalled();
    expect(source.destroyed).toBe(true);
    expect(local.stats()).toMatchObject({ aborted: 0, stored: 0 });
  });
});
