/**
 * The variables whose values must never be printed, whichever of them the command ends up using. Access
 * key IDs are not among them: an ID names a key without granting anything (the command prints none anyway).
 */
export const SECRET_VARIABLES = [
  'OSS_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'OSS_SESSION_TOKEN',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
] as const;

export interface Secrets {
  /** Whether `text` holds a configured secret, in any case. */
  isIn: (text: string) => boolean;
  /** `text` with every configured secret, in any case, replaced by `***`. */
  redact: (text: string) => string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The secrets `env` configures. Matching ignores case: ali-oss lowercases hosts, so a secret in the bucket
 * position comes back as `getaddrinfo ENOTFOUND bucket.<secret in lowercase>.aliyuncs.com`. A secret in a
 * URL may come back percent-encoded (STS tokens hold '+', '/' and '='): that form is matched too.
 */
export function secretsOf(env: NodeJS.ProcessEnv): Secrets {
  const values = SECRET_VARIABLES.map((name) => env[name]).filter((value): value is string => !!value);
  const forms = new Set(values.flatMap((value) => [value, encodeURIComponent(value)]));
  if (forms.size === 0) return { isIn: () => false, redact: (text) => text };
  // Longest first, so a secret that holds another is replaced whole.
  const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'giu');
  return {
    isIn: (text) => text.search(pattern) !== -1,
    redact: (text) => text.replace(pattern, '***'),
  };
}
