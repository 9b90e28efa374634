/**
 * A build runner for append-restart.test.ts: appends its standard input to the object APPEND_KEY on the local
 * server that APPEND_CLIENT_OPTIONS (JSON) reaches, until it is killed.
 */
import { appendStream, createOssClient } from '../../src/oss/index.js';

await appendStream(createOssClient(JSON.parse(process.env.APPEND_CLIENT_OPTIONS!)), process.env.APPEND_KEY!, process.stdin, {
  flushIntervalMs: 20,
  resume: true,
});
