import { appended, checksumHeaders } from '../store.js';
import { tagsFromHeader } from '../tags.js';
import { verifiedMd5 } from './content-md5.js';
import type { Operation } from './operation.js';

/**
 * AppendObject (`POST /key?append&position=N`), as the OSS API reference describes it: the position must
 * equal the object's length (0 creates it), only Appendable objects grow, and the object stays within
 * the size limit. x-oss-tagging counts on the append that creates the object only, like metadata.
 */
export const appendObject: Operation = ({ key, headers, query, body, objects, maxObjectBytes }) => {
  const position = query.get('position') ?? '';
  // OSS answers a missing or non-numeric position with MissingArgument.
  if (!/^\d+$/.test(position)) return { error: 'MissingArgument' };
  if (!verifiedMd5(headers, body)) return { error: 'InvalidDigest' };
  const existing = objects.get(key);
  if (existing?.type === 'Normal') return { error: 'ObjectNotAppendable' };
  const length = existing?.size ?? 0;
  if (Number(position) !== length) {
    return { error: 'PositionNotEqualToLength', headers: { 'x-oss-next-append-position': String(length) } };
  }
  if (length + body.length > maxObjectBytes) return { error: 'EntityTooLarge' };
  const tags = existing ? existing.tags : tagsFromHeader(headers);
  if ('error' in tags) return tags;
  const object = appended(existing, body, headers, tags);
  objects.set(key, object);
  return { status: 200, headers: checksumHeaders(object) };
};
