import { checksumHeaders, normalObject } from '../store.js';
import { tagsFromHeader } from '../tags.js';
import { verifiedMd5 } from './content-md5.js';
import type { Operation } from './operation.js';

/**
 * PutObject: stores a Normal object, replacing whatever had the key, an appendable object included, and
 * with it its tags: the new object has those of x-oss-tagging, or none.
 */
export const putObject: Operation = ({ key, headers, body, objects, maxObjectBytes }) => {
  const md5 = verifiedMd5(headers, body);
  if (!md5) return { error: 'InvalidDigest' };
  if (body.length > maxObjectBytes) return { error: 'EntityTooLarge' };
  const tags = tagsFromHeader(headers);
  if ('error' in tags) return tags;
  const object = normalObject(body, md5, headers, tags);
  objects.set(key, object);
  return { status: 200, headers: checksumHeaders(object) };
};
