import { checksumHeaders, normalObject } from '../store.js';
import { verifiedMd5 } from './content-md5.js';
import type { Operation } from './operation.js';

/** PutObject: stores a Normal object, replacing whatever had the key, an appendable object included. */
export const putObject: Operation = ({ key, headers, body, objects, maxObjectBytes }) => {
  const md5 = verifiedMd5(headers, body);
  if (!md5) return { error: 'InvalidDigest' };
  if (body.length > maxObjectBytes) return { error: 'EntityTooLarge' };
  const object = normalObject(body, md5, headers);
  objects.set(key, object);
  return { status: 200, headers: checksumHeaders(object) };
};
