import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { crc64 } from 'crc64-ecma182.js';
import { crc64InSlices } from '../../oss/crc64.js';
import type { TagSet } from './tags.js';

/** OSS's object types: PutObject makes Normal objects, AppendObject Appendable ones. */
export type ObjectType = 'Normal' | 'Appendable';

export interface StoredObject {
  type: ObjectType;
  /** Kept as received: an append adds a chunk instead of copying the whole object. */
  chunks: Buffer[];
  size: number;
  /** CRC-64/ECMA-182 of the whole object as a decimal string, as OSS sends it. */
  crc64: string;
  etag: string;
  contentType: string;
  lastModified: string;
  /** x-oss-meta-* headers, sent back on GET and HEAD. */
  meta: Record<string, string>;
  /** Replaced by PutObjectTagging without touching etag or lastModified, as OSS does. */
  tags: TagSet;
}

/** The bucket: objects by key. */
export type ObjectStore = Map<string, StoredObject>;

export function normalObject(body: Buffer, md5: Buffer, headers: IncomingHttpHeaders, tags: TagSet): StoredObject {
  const content = { chunks: [body], size: body.length, crc64: crc64InSlices(crc64, body), etag: quotedHex(md5) };
  return { ...newObject('Normal', headers, tags), ...content };
}

/**
 * `object` with `body` added at its end; a new Appendable object when `object` is undefined, whose metadata,
 * Content-Type and tags come from this append's `headers` and `tags`, as on OSS.
 */
export function appended(object: StoredObject | undefined, body: Buffer, headers: IncomingHttpHeaders, tags: TagSet): StoredObject {
  const target = object ?? newObject('Appendable', headers, tags);
  // An empty append leaves the object as it was, Last-Modified included (OSS's AppendObject reference).
  if (body.length === 0 && object) return object;
  target.chunks.push(body);
  target.size += body.length;
  target.crc64 = crc64InSlices(crc64, body, target.crc64);
  // OSS promises no MD5 in an appendable object's ETag; this one changes exactly when the content does.
  target.etag = quotedHex(createHash('md5').update(`${target.size}:${target.crc64}`).digest());
  target.lastModified = new Date().toUTCString();
  return target;
}

/** The headers a successful write answers with, and GET and HEAD include. */
export function checksumHeaders(object: StoredObject): Record<string, string> {
  return {
    ETag: object.etag,
    'x-oss-hash-crc64ecma': object.crc64,
    ...(object.type === 'Appendable' && { 'x-oss-next-append-position': String(object.size) }),
  };
}

function newObject(type: ObjectType, headers: IncomingHttpHeaders, tags: TagSet): StoredObject {
  return {
    type,
    chunks: [],
    size: 0,
    crc64: '0',
    etag: quotedHex(createHash('md5').digest()),
    contentType: headers['content-type'] ?? 'application/octet-stream',
    lastModified: new Date().toUTCString(),
    meta: userMetadata(headers),
    tags,
  };
}

const quotedHex = (digest: Buffer): string => `"${digest.toString('hex').toUpperCase()}"`;

function userMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-oss-meta-') && typeof value === 'string') meta[name] = value;
  }
  return meta;
}
