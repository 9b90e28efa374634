import { withHeartbeat } from 'heartbeat-readable';
import { createOssClient, explainUploadError, putStreamWithHeartbeat, type UploadErrorKind } from 'heartbeat-readable/oss';
import { startLocalOss } from 'heartbeat-readable/testing';

export async function upload(): Promise<UploadErrorKind | number> {
  const local = await startLocalOss({ idleLimitMs: 500 });
  const client = createOssClient({ ...local.clientOptions(), maxUploadMs: 60_000 });
  // @ts-expect-error -- the client is ali-oss's, not `any` (a default import of @types/ali-oss's export = could make it any)
  client.noSuchMethod();
  try {
    const { heartbeats, dataBytes } = await putStreamWithHeartbeat(client, 'a.log', withHeartbeat(process.stdin), {
      mime: 'text/plain',
    });
    // @ts-expect-error -- contentLength is refused: fillers change the length
    await putStreamWithHeartbeat(client, 'b.log', process.stdin, { contentLength: 5 });
    return heartbeats + dataBytes;
  } catch (error) {
    return explainUploadError(error).kind;
  } finally {
    await local.close();
  }
}
