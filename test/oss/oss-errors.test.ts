import { describe, expect, it } from 'vitest';
import { explainUploadError, putStreamWithHeartbeat } from '../../src/oss/index.js';
import { paced } from '../support/sources.js';
import { rejectionOf } from '../support/settlement.js';
import { useLocalOss } from '../support/local-oss.js';

const oss = useLocalOss();

describe('OSS errors through putStreamWithHeartbeat', () => {
  it("surfaces a wrong secret as OSS's 403 SignatureDoesNotMatch, explained without the secret", async () => {
    const local = await oss.start();
    const wrongSecret = 'wrong-secret-0123456789';
    const client = oss.heartbeatClient(local, { accessKeySecret: wrongSecret });

    const error = await rejectionOf(putStreamWithHeartbeat(client, 'build.log', paced([Buffer.from('log')], 0)));
    const explanation = explainUploadError(error);

    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(explanation.kind).toBe('other');
    expect(explanation.message).toContain('SignatureDoesNotMatch (HTTP 403)');
    for (const secret of [wrongSecret, local.accessKeySecret]) expect(explanation.message).not.toContain(secret);
    expect(local.stats().stored).toBe(0);
  });

  it('stores what GetObject returns', async () => {
    const local = await oss.start();
    const client = oss.heartbeatClient(local);
    const body = Buffer.from('line 1\n日志 ✓\n');

    await putStreamWithHeartbeat(client, 'logs/step-1.log', paced([body.subarray(0, 9), body.subarray(9)], 0));
    const fetched = await client.get('logs/step-1.log');

    expect(fetched.content).toEqual(body);
    expect(local.getObject('logs/step-1.log')).toEqual(body);
  });
});
