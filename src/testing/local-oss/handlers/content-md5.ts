import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The body's MD5, or undefined when it does not match the request's Content-MD5 (OSS: InvalidDigest). */
export function verifiedMd5(headers: IncomingHttpHeaders, body: Buffer): Buffer | undefined {
  const md5 = createHash('md5').update(body).digest();
  const expected = headers['content-md5'];
  return expected === undefined || expected === md5.toString('base64') ? md5 : undefined;
}
