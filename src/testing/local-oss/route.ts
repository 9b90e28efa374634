import type { IncomingMessage } from 'node:http';
import type { ErrorReply } from './errors.js';

export const OSS_OPERATIONS = ['PutObject', 'AppendObject', 'GetObject', 'HeadObject', 'DeleteObject'] as const;
export type OssOperation = (typeof OSS_OPERATIONS)[number];

/** What a request asks for: the operation, the object's key and its sub-resources (the URL's query). */
export interface Route {
  operation: OssOperation;
  key: string;
  query: URLSearchParams;
}

/** Every operation by method, with the sub-resources it takes. */
const OPERATIONS: Record<string, { operation: OssOperation; subresources: readonly string[] }> = {
  PUT: { operation: 'PutObject', subresources: [] },
  POST: { operation: 'AppendObject', subresources: ['append', 'position'] },
  GET: { operation: 'GetObject', subresources: [] },
  HEAD: { operation: 'HeadObject', subresources: [] },
  DELETE: { operation: 'DeleteObject', subresources: [] },
};

/**
 * Routes a request from its method, Host and URL. Done before the signature is checked: OSS signs only
 * the sub-resources it knows, so checking the signature of an unsupported request would fail with a
 * misleading SignatureDoesNotMatch.
 */
export function routeOf(req: IncomingMessage, ownBucket: string): Route | ErrorReply {
  if (bucketFromHost(req.headers.host, ownBucket) !== ownBucket) return { error: 'NoSuchBucket' };
  const url = new URL(req.url ?? '/', 'http://local');
  const known = OPERATIONS[req.method ?? ''];
  if (!known) return { error: 'MethodNotAllowed' };
  const names = [...url.searchParams.keys()];
  const isPostWithoutAppend = req.method === 'POST' && !url.searchParams.has('append');
  if (url.pathname === '/' || isPostWithoutAppend || names.some((name) => !known.subresources.includes(name))) {
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
