import { checksumHeaders } from '../store.js';
import type { Operation } from './operation.js';

/** GetObject and HeadObject: the same headers; HEAD's body is left out when the answer is sent. */
export const getObject: Operation = ({ key, objects }) => {
  const object = objects.get(key);
  if (!object) return { error: 'NoSuchKey' };
  return {
    status: 200,
    headers: {
      ...object.meta,
      ...checksumHeaders(object),
      'x-oss-object-type': object.type,
      'Content-Type': object.contentType,
      'Content-Length': object.size,
      'Last-Modified': object.lastModified,
    },
    body: object.chunks,
  };
};
