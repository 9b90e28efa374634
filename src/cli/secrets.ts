import { credentialMatcher } from '../internal/credentials.js';

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
  /** Whether `text` holds a configured secret, by the library's rule (src/oss/credentials.ts). */
  isIn: (text: string) => boolean;
  /** `text` with every configured secret it holds, by the same rule, replaced by `***`. */
  redact: (text: string) => string;
}

/**
 * The secrets `env` configures, matched as createOssClient matches credentials: ali-oss lowercases hosts,
 * so a secret in the bucket position comes back as `getaddrinfo ENOTFOUND bucket.<secret in lowercase>.aliyuncs.com`,
 * and a secret in a URL may come back percent-encoded.
 */
export function secretsOf(env: NodeJS.ProcessEnv): Secrets {
  const { holds, redact } = credentialMatcher(SECRET_VARIABLES.map((name) => env[name]));
  return { isIn: holds, redact };
}
