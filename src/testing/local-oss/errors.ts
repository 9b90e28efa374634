/**
 * The errors this server answers with, named, numbered and worded as OSS does, and OSS's XML error body.
 * Sources: the OSS API reference (AppendObject's error table, the HTTP 400/403/409 pages) and the
 * error codes ali-oss and the OSS SDKs map to exceptions.
 */
export const OSS_ERRORS = {
  AccessDenied: [403, 'You have no right to access this object because of bucket acl.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The OSS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Authorization header is invalid; only OSS V1 signatures are supported.'],
  InvalidDigest: [400, 'The Content-MD5 you specified was invalid.'],
  InvalidRange: [416, 'The requested range cannot be satisfied'],
  // Not confirmed for OSS: its pages on tag errors (EC 0010-00000101 malformed XML, 0010-00000217 a bad tag)
  // give the cause but neither the code nor the status; InvalidTag and MalformedXML, 400, are S3's.
  InvalidTag: [400, 'The tag provided was not a valid tag.'],
  InvalidURI: [400, 'Could not parse the specified URI.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingArgument: [400, 'Missing Some Required Arguments.'],
  NoSuchBucket: [404, 'The specified bucket does not exist.'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NotImplemented: [
    501,
    'Local OSS supports only PutObject, AppendObject, GetObject, HeadObject, DeleteObject and the object tagging operations.',
  ],
  ObjectNotAppendable: [409, 'The object is not appendable'],
  PositionNotEqualToLength: [409, 'Position is not equal to file length'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  ServiceUnavailable: [503, 'Service is unavailable, please try again later.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
} as const satisfies Record<string, readonly [status: number, message: string]>;

export type OssErrorCode = keyof typeof OSS_ERRORS;

/** An error answer: the code, and where OSS adds them, a more precise message or extra headers. */
export interface ErrorReply {
  error: OssErrorCode;
  message?: string;
  headers?: Record<string, string>;
}

/** XML text: the characters that would end an element or start an entity, escaped. */
function xmlText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** OSS's XML error body. `code` is a string: a test's scripted server answers codes this server never sends. */
export function errorXml(code: string, message: string, requestId: string, hostId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Error>',
    `  <Code>${xmlText(code)}</Code>`,
    `  <Message>${xmlText(message)}</Message>`,
    `  <RequestId>${requestId}</RequestId>`,
    `  <HostId>${hostId}</HostId>`,
    '</Error>',
  ].join('\n');
}
