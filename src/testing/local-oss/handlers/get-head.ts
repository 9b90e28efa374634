import { chunksIn, selectRange } from '../range.js';
import { checksumHeaders } from '../store.js';
import type { Operation } from './operation.js';

/**
 * GetObject and HeadObject: the same headers; HEAD's body is left out when the answer is sent, and HEAD
 * ignores Range. A ranged GET answers as range.ts's table says, with the whole object's headers
 * (its CRC-64 included) and the part's Content-Range and Content-Length.
 */
export const getObject: Operation = ({ operation, key, headers, objects }) => {
  const object = objects.get(key);
  if (!object) return { error: 'NoSuchKey' };
  const objectHeaders = {
    ...object.meta,
    ...checksumHeaders(object),
    'x-oss-object-type': object.type,
    'Content-Type': object.contentType,
    'Last-Modified': object.lastModified,
  };
  const standard = headers['x-oss-range-behavior'] === 'standard';
  const range = operation === 'GetObject' ? selectRange(headers.range, object.size, standard) : 'whole';
  if (range === 'whole') return { status: 200, headers: { ...objectHeaders, 'Content-Length': object.size }, body: object.chunks };
  if (range === 'unsatisfiable') return { error: 'InvalidRange', headers: { 'Content-Range': `bytes */${object.size}` } };
  return {
    status: 206,
    headers: {
      ...objectHeaders,
      'Accept-Ranges': 'bytes',
      'Content-Range': `bytes ${range.start}-${range.end}/${object.size}`,
      'Content-Length': range.end - range.start + 1,
    },
    body: chunksIn(object.chunks, range),
  };
};
