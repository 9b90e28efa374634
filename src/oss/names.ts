/** OSS bucket naming rules. */
export const BUCKET_NAME_RULE = '3-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen';

export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

/** OSS object naming rules, and no control characters: they would break the one-line output that names a key. */
export const OBJECT_NAME_RULE = '1 to 1023 bytes of UTF-8 that do not start with "/" or "\\" and hold no control characters';

// ali-oss strips leading slashes: an empty name would become a request to the bucket itself.
export function isObjectName(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return name !== '' && !/^[/\\]/.test(name) && !/[\u0000-\u001f\u007f]/.test(name) && Buffer.byteLength(name) <= 1023;
}
