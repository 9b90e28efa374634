import type { IncomingMessage } from 'node:http';
import type { ErrorReply } from './errors.js';

export const OSS_OPERATIONS = [
  'PutObject',
  'AppendObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'PutObjectTagging',
  'GetObjectTagging',
  'DeleteObjectTagging',
] as const;
export type OssOperation = (typeof OSS_OPERATIONS)[number];

/** What a request asks for: the operation, the object's key and its sub-resources (the URL's query). */
export interface Route {
  operation: OssOperation;
  key: string;
  query: URLSearchParams;
}

/**
 * Every operation: its method, the sub-resource that selects it (`?append`, `?tagging`; none for the plain
 * object operations) and the sub-resources it takes. A request matches the first row of its method whose
 * selecting sub-resource it carries, so the rows with one come before the row without.
 */
const OPERATIONS: readonly { method: string; operation: OssOperation; selectedBy?: string; subresources: readonly string[] }[] = [
  { method: 'PUT', operation: 'PutObjectTagging', selectedBy: 'tagging', subresources: ['tagging'] },
  { method: 'PUT', operation: 'PutObject', subresources: [] },
  { method: 'POST', operation: 'AppendObject', selectedBy: 'append', subresources: ['append', 'position'] },
  { method: 'GET', operation: 'GetObjectTagging', selectedBy: 'tagging', subresources: ['tagging'] },
  { method: 'GET', operation: 'GetObject', subresources: [] },
  { method: 'HEAD', operation: 'HeadObject', subresources: [] },
  { method: 'DELETE', operation: 'DeleteObjectTagging', selectedBy: 'tagging', subresources: ['tagging'] },
  { method: 'DELETE', operation: 'DeleteObject', subresources: [] },
];

/**
 * Routes a request from its method, Host and URL. Done before the signature is checked: OSS signs only
 * the sub-resources it knows, so checking the signature of an unsupported request would fail with a
 * misleading SignatureDoesNotMatch. Every sub-resource a route admits is one OSS signs.
 */
export function routeOf(req: IncomingMessage, ownBucket: string): Route | ErrorReply {
  if (bucketFromHost(req.headers.host, ownBucket) !== ownBucket) return { error: 'NoSuchBucket' };
  const url = new URL(req.url ?? '/', 'http://local');
  const ofMethod = OPERATIONS.filter((row) => row.method === req.method);
  if (ofMethod.length === 0) return { error: 'MethodNotAllowed' };
  const known = ofMethod.find((row) => row.selectedBy === undefined || url.searchParams.has(row.selectedBy));
  const names = [...url.searchParams.keys()];
  if (url.pathname === '/' || !known || names.some((name) => !known.subresources.includes(name))) {
    return { error: 'NotImplemented' };
  }
  try {
    return { operation: known.operation, key: decodeURIComponent(url.pathname.slice(1)), query: url.searchParams };
  } catch {
    return { error: 'InvalidURI' };
  }
}

/**
 * ali-oss addresses an IP endpoint with Host "<bucket>.oss-<region>.aliyuncs.com". Any other Host
 * (localhost, a custom domain) is bound to this server's one bucket, as an OSS CNAME is.
 */
function bucketFromHost(host: string | undefined, ownBucket: string): string {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith('.aliyuncs.com') ? hostname.slice(0, hostname.indexOf('.')) : ownBucket;
}
