/**
 * A build runner that runs each step in a shell and pushes its output into one long upload, kept alive by
 * heartbeats through silent steps (credentials and place from OSS_* variables):
 *   npx tsx examples/put-stream-with-heartbeat.ts logs/build-43.log 'npm ci' 'npm run build' 'npm test'
 * IDLE_LIMIT_MS is the server's idle limit (default 60 s, as OSS's).
 */
import { spawn } from 'node:child_process';
import { HeartbeatReadable } from 'heartbeat-readable';
import { createOssClient, explainUploadError, putStreamWithHeartbeat } from 'heartbeat-readable/oss';

const [name = 'logs/build.log', ...steps] = process.argv.slice(2);
const client = createOssClient({
  endpoint: process.env.OSS_ENDPOINT,
  bucket: process.env.OSS_BUCKET,
  accessKeyId: process.env.OSS_ACCESS_KEY_ID!,
  accessKeySecret: process.env.OSS_ACCESS_KEY_SECRET!,
});
const log = new HeartbeatReadable({ idleLimitMs: Number(process.env.IDLE_LIMIT_MS ?? 60_000) });
// The promise is marked handled: if the upload fails while the steps still run, it waits for the await below.
const upload = putStreamWithHeartbeat(client, name, log);
for (const step of steps) {
  log.push(`$ ${step}\n`);
  const child = spawn('sh', ['-c', `exec 2>&1; ${step}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const chunk of child.stdout) log.push(chunk);
}
log.push(null);
try {
  const { heartbeats, dataBytes } = await upload;
  console.log(`stored ${name}: ${dataBytes} bytes of log, ${heartbeats} heartbeats`);
} catch (error) {
  console.error(explainUploadError(error).message);
  process.exitCode = 1;
}
