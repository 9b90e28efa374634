import { createRequire } from 'node:module';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { LocalOss } from '../../src/testing/index.js';

// ali-oss's own V1 signer, so a hand-made request is signed exactly as the SDK signs.
const signUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as {
  buildCanonicalString(method: string, resource: string, request: { headers: object; parameters?: object }): string;
  authorization(accessKeyId: string, accessKeySecret: string, canonicalString: string): string;
};

export interface SignedRequest {
  method: string;
  key: string;
  /** Sub-resources, sent in the URL and signed. */
  query?: Record<string, string>;
  /** Sent in the URL but left out of the signature. */
  unsignedQuery?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The request's x-oss-date; default now. */
  date?: Date;
}

/** Headers for `spec`, signed with the server's credentials as ali-oss signs them. */
export function signedHeaders(local: LocalOss, spec: SignedRequest): Record<string, string> {
  const headers = { 'x-oss-date': (spec.date ?? new Date()).toUTCString(), ...spec.headers };
  const canonical = signUtils.buildCanonicalString(spec.method, `/${local.bucket}/${spec.key}`, {
    headers,
    parameters: spec.query,
  });
  return { ...headers, authorization: signUtils.authorization(local.accessKeyId, local.accessKeySecret, canonical) };
}

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `headers` and `body` as they are, with node:http, and reads the whole answer. */
export function send(
  local: LocalOss,
  spec: Pick<SignedRequest, 'method' | 'key' | 'query' | 'unsignedQuery' | 'body'>,
  headers: Record<string, string>,
): Promise<PlainResponse> {
  const query = new URLSearchParams({ ...spec.query, ...spec.unsignedQuery }).toString();
  const path = `/${encodeURIComponent(spec.key)}${query ? `?${query}` : ''}`;
  return new Promise((resolve, reject) => {
    const req = request(`${local.endpoint}${path}`, { method: spec.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(spec.body);
  });
}

/** A request signed now, as ali-oss would sign it, sent at once. */
export function sendSigned(local: LocalOss, spec: SignedRequest): Promise<PlainResponse> {
  return send(local, spec, signedHeaders(local, spec));
}

/** The `<Code>` of an OSS XML error body. */
export const errorCode = (body: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
