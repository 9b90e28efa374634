/*
 * When a value holds a credential: the one rule behind createOssClient's refusals and heartbeat-put's
 * checks and masking (src/cli/secrets.ts).
 */

/**
 * The shortest credential searched for inside a longer value. Alibaba Cloud's are all at least this long
 * (AccessKey IDs 24 characters, 16 for old ones; secrets 30; STS tokens hundreds). Shorter ones are test
 * values, such as LocalStack's `test`/`test`, which ordinary names hold: `test-logs`, `localhost`,
 * `oss-cn-hangzhou`. A value equal to one is still refused: swapped variables, whatever the length.
 */
export const MIN_SEARCHED_CREDENTIAL_LENGTH = 16;

export interface CredentialMatcher {
  /**
   * Whether `text` holds a credential: contains one of MIN_SEARCHED_CREDENTIAL_LENGTH characters or more,
   * or equals a shorter one; in any case (hosts are lowercased on their way to a message), as given or
   * percent-encoded (STS tokens hold '+', '/' and '=', which a URL encodes).
   */
  holds: (text: string) => boolean;
  /** `text` with what `holds` finds replaced by `***`: each occurrence of a long credential, or the whole text. */
  redact: (text: string) => string;
}

const MASK = '***';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `credentials`: anything a caller passed; what is not a non-empty string is no credential. */
export function credentialMatcher(credentials: readonly unknown[]): CredentialMatcher {
  const values = credentials.filter((value): value is string => typeof value === 'string' && value !== '');
  const forms = (value: string): string[] => [value, encodeURIComponent(value)];
  const searched = values.filter((value) => value.length >= MIN_SEARCHED_CREDENTIAL_LENGTH).flatMap(forms);
  const whole = new Set(values.flatMap(forms).map((form) => form.toLowerCase()));
  // Longest first, so a credential that holds another is replaced whole.
  const alternatives = [...new Set(searched)].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = alternatives.length === 0 ? undefined : new RegExp(alternatives.join('|'), 'giu');
  const equalsOne = (text: string): boolean => whole.has(text.toLowerCase());
  return {
    holds: (text) => equalsOne(text) || (pattern !== undefined && text.search(pattern) !== -1),
    redact: (text) => (equalsOne(text) ? MASK : pattern === undefined ? text : text.replace(pattern, MASK)),
  };
}
