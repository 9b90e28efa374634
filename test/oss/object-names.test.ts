import OSS from 'ali-oss';
import { describe, expect, it, vi } from 'vitest';
import { putStreamWithHeartbeat } from '../../src/oss/index.js';
import { brokenObjectNameRule, DOT_SEGMENT_RULE } from '../../src/internal/names.js';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { paced } from '../support/sources.js';
import { rejectionOf } from '../support/settlement.js';

const oss = useLocalOss();
muteUrllibWarnings();

const DOT_SEGMENT_NAMES = ['logs/../build.log', './a', 'a/./b', 'a/..', '..', 'logs/.'];

describe('object names with "." or ".." path segments', () => {
  it('are what OSS can never accept: the URL resolves them after ali-oss signed the path', async () => {
    const local = await oss.start();
    const client = new OSS(local.clientOptions());

    const error = await rejectionOf(client.put('logs/../build.log', Buffer.from('log')));

    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it.each(DOT_SEGMENT_NAMES)('%j is refused before any request, saying why', async (name) => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const putStream = vi.spyOn(client, 'putStream');

    const error = await rejectionOf(putStreamWithHeartbeat(client, name, paced([Buffer.from('log')], 0)));

    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe(
      'name must be free of "." and ".." path segments (the request URL would resolve them after signing, ' +
        `and OSS would answer SignatureDoesNotMatch), got ${JSON.stringify(name)}`,
    );
    expect(putStream).not.toHaveBeenCalled();
    expect(brokenObjectNameRule(name)).toBe(DOT_SEGMENT_RULE);
  });

  it('only whole segments count: dots inside a name, and backslashes, are fine', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const names = ['a..b', '.hidden/x', 'logs/...', 'v1.2/build.log', 'a\\..\\b'];

    for (const name of names) await putStreamWithHeartbeat(client, name, paced([Buffer.from(name)], 0));

    for (const name of names) expect(local.getObject(name)?.toString()).toBe(name);
  });
});
