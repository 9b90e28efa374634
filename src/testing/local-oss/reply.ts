import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { OSS_ERRORS, errorXml, type ErrorReply } from './errors.js';

/** What an operation answers: a success with its headers and body, or an OSS error. */
export type Reply = { status: number; headers: OutgoingHttpHeaders; body?: readonly Buffer[] } | ErrorReply;

/** Identifies one request in every answer, as OSS's x-oss-request-id and HostId do. */
export interface RequestIds {
  requestId: string;
  hostId: string;
}

export function sendReply(req: IncomingMessage, res: ServerResponse, reply: Reply, ids: RequestIds): void {
  if ('error' in reply) return sendError(req, res, reply, ids);
  const chunks = req.method === 'HEAD' ? [] : (reply.body ?? []);
  res.writeHead(reply.status, { 'Content-Length': 0, ...reply.headers, 'x-oss-request-id': ids.requestId });
  // Written chunk by chunk: a large object is never copied into one Buffer to be sent.
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/** OSS's XML error body; for HEAD, which has no body, OSS sends it base64-encoded in x-oss-err. */
function sendError(req: IncomingMessage, res: ServerResponse, reply: ErrorReply, ids: RequestIds): void {
  const [status, defaultMessage] = OSS_ERRORS[reply.error];
  const xml = errorXml(reply.error, reply.message ?? defaultMessage, ids.requestId, ids.hostId);
  const isHead = req.method === 'HEAD';
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': isHead ? 0 : Buffer.byteLength(xml),
    'x-oss-request-id': ids.requestId,
    ...reply.headers,
    ...(isHead && { 'x-oss-err': Buffer.from(xml).toString('base64') }),
  });
  res.end(isHead ? undefined : xml);
}
