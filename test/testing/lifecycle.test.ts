import { request } from 'node:http';
import OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import { startLocalOss } from '../../src/testing/index.js';
import { WAIT } from '../support/local-oss.js';
import { quietResources, resourcesBackTo } from '../support/resources.js';
import { signedHeaders } from './helpers.js';

describe('startLocalOss close()', () => {
  it('leaves no server, socket or timer behind, with a body in flight, a silent fault and a restart pending', async () => {
    // What earlier tests and files left, once it holds still; what of it closes later only lowers the counts.
    const before = await quietResources();

    const local = await startLocalOss({ idleLimitMs: 10_000 });
    // A request in mid-body holds a socket and an idle timer that close() must clean up.
    const headers = signedHeaders(local, { method: 'PUT', key: 'slow', headers: { 'Transfer-Encoding': 'chunked' } });
    const req = request(`${local.endpoint}/slow`, { method: 'PUT', agent: false, headers });
    const reqClosed = new Promise((resolve) => req.once('close', resolve));
    req.on('error', () => {});
    req.write('partial ');
    await vi.waitFor(() => expect(local.stats().bodyBytesBuffered).toBeGreaterThan(0), WAIT);
    // A keep-alive socket left idle in ali-oss's shared agent.
    const client = new OSS(local.clientOptions());
    await client.put('k', Buffer.from('x'));
    // A request held silent by a fault, with the timer that would end it.
    local.faults.inject({ kind: 'no-response', closeAfterMs: 60_000 });
    const silent = client.head('k').catch(() => {});
    await vi.waitFor(() => expect(local.stats().faults['no-response']).toBe(1), WAIT);

    await local.close();
    await Promise.all([reqClosed, silent]);
    await resourcesBackTo(before);
  });

  it('cancels a pending restart: the server stays closed and goOffline settles', async () => {
    const local = await startLocalOss();
    const offline = local.faults.goOffline(60_000);
    await local.close();
    await offline;
    await expect(fetch(local.endpoint)).rejects.toThrow();
  });
});
