import { tagsFromXml, tagsXml } from '../tags.js';
import { verifiedMd5 } from './content-md5.js';
import type { Operation } from './operation.js';

/**
 * PutObjectTagging (`PUT /key?tagging`): replaces the object's tags with the body's. ETag, Last-Modified
 * and the body stay as they were (OSS: changing tags does not update Last-Modified).
 */
export const putObjectTagging: Operation = ({ key, headers, body, objects }) => {
  const object = objects.get(key);
  if (!object) return { error: 'NoSuchKey' };
  if (!verifiedMd5(headers, body)) return { error: 'InvalidDigest' };
  const tags = tagsFromXml(body);
  if ('error' in tags) return tags;
  object.tags = tags;
  return { status: 200, headers: {} };
};

/** GetObjectTagging (`GET /key?tagging`): the tags as XML, an empty TagSet when there are none. */
export const getObjectTagging: Operation = ({ key, objects }) => {
  const object = objects.get(key);
  if (!object) return { error: 'NoSuchKey' };
  const xml = Buffer.from(tagsXml(object.tags));
  return { status: 200, headers: { 'Content-Type': 'application/xml', 'Content-Length': xml.length }, body: [xml] };
};

/** DeleteObjectTagging (`DELETE /key?tagging`): 204, the object left without tags. */
export const deleteObjectTagging: Operation = ({ key, objects }) => {
  const object = objects.get(key);
  if (!object) return { error: 'NoSuchKey' };
  object.tags = new Map();
  return { status: 204, headers: {} };
};
