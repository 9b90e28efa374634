/** OSS bucket naming rules. */
export const BUCKET_NAME_RULE = '3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen';

export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

/** OSS object naming rules, and no control characters: they would break the one-line output that names a key. */
export const OBJECT_NAME_RULE = '1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters';

/**
 * ali-oss signs the path as given, then the URL it builds resolves "." and ".." segments away, so the
 * request reaches OSS with another path than the one signed: SignatureDoesNotMatch, every time.
 */
export const DOT_SEGMENT_RULE =
  'free of "." and ".." path segments (the request URL would resolve them after signing, and OSS would answer SignatureDoesNotMatch)';

function followsObjectNameRule(name: string): boolean {
  // ali-oss strips leading slashes: an empty name would become a request to the bucket itself.
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return name !== '' && !/^[/\\]/.test(name) && !/[\u0000-\u001f\u007f]/.test(name) && Buffer.byteLength(name) <= 1023;
}

function hasDotSegment(name: string): boolean {
  return name.split('/').some((segment) => segment === '.' || segment === '..');
}

/** The rule `name` breaks (OBJECT_NAME_RULE or DOT_SEGMENT_RULE), or undefined for a valid object name. */
export function brokenObjectNameRule(name: string): string | undefined {
  if (!followsObjectNameRule(name)) return OBJECT_NAME_RULE;
  if (hasDotSegment(name)) return DOT_SEGMENT_RULE;
  return undefined;
}

/** What ali-oss accepts as a region (it builds the host from it). */
export const REGION_RULE = 'a region id such as oss-cn-hangzhou: letters, digits, "-" and "_"';

export function isRegionId(region: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(region);
}

export const ENDPOINT_RULE =
  'a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, password, path or query';

function endpointUrl(text: string): URL | undefined {
  try {
    return new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    return undefined;
  }
}

/** An endpoint ali-oss can use as it is: a user, password, path or query would be lost or break the signature. */
export function isEndpoint(text: string): boolean {
  const url = endpointUrl(text);
  return (
    url !== undefined &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password
  );
}

/** An endpoint as an error message may show it: a user name, password or query may be a credential pasted there. */
export function maskedEndpoint(text: string): string {
  const url = endpointUrl(text);
  if (!url || (!url.username && !url.password && !url.search)) return text;
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  if (url.search) url.search = '***';
  return url.href;
}
