import type OSS from 'ali-oss';
// The package's own entries, as a user imports them: the commands share their one core.
import { createOssClient, DEFAULT_MAX_UPLOAD_MS } from 'heartbeat-readable/oss';
import type { LocalOss } from 'heartbeat-readable/testing';
import { describeValue } from '../internal/validation.js';
import {
  brokenObjectNameRule,
  BUCKET_NAME_RULE,
  ENDPOINT_RULE,
  isBucketName,
  isEndpoint,
  isRegionId,
  maskedEndpoint,
  REGION_RULE,
} from '../internal/names.js';
import type { FlagSpec } from './flags.js';
import type { Secrets } from './secrets.js';
import { check, nonEmpty, shown, UsageError, withFlagNames, type Given } from './values.js';

/** The variables that say where OSS is and who calls it: read by heartbeat-put and heartbeat-tail, printed by heartbeat-local-oss. */
export const ENV = {
  bucket: 'OSS_BUCKET',
  endpoint: 'OSS_ENDPOINT',
  region: 'OSS_REGION',
  accessKeyId: 'OSS_ACCESS_KEY_ID',
  accessKeySecret: 'OSS_ACCESS_KEY_SECRET',
  stsToken: 'OSS_SESSION_TOKEN',
} as const;

/** Alibaba Cloud's names for the credentials, read when the OSS_* ones are not set. */
export const ALIBABA_ENV = {
  accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  stsToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
} as const;

/** The flags that say where the object is, with their variables. */
export const TARGET_FLAGS: readonly FlagSpec[] = [
  { name: 'bucket', value: '<name>', help: `default: env ${ENV.bucket}` },
  { name: 'endpoint', value: '<url>', help: `default: env ${ENV.endpoint}` },
  { name: 'region', value: '<id>', help: `default: env ${ENV.region}` },
];

/** The credentials' variables, for the title of the target's section in --help. */
export const CREDENTIAL_VARIABLES = `credentials: env ${ENV.accessKeyId}, ${ENV.accessKeySecret}, ${ENV.stsToken}`;

/** The sentence --help ends the credentials' story with. */
export const CREDENTIALS_NOTE =
  `Credentials may also be ${ALIBABA_ENV.accessKeyId}, ${ALIBABA_ENV.accessKeySecret} and ${ALIBABA_ENV.stsToken}, ` +
  'and come from the environment only.';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  stsToken?: string;
}

export type Target =
  | { kind: 'local' }
  | { kind: 'oss'; bucket: string; endpoint?: string; region?: string; credentials: Credentials };

/** The one <object-key> a command takes, as OSS will store it. */
export function objectKeyOf(positionals: string[], secrets: Secrets): string {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing <object-key>' : `expected one <object-key>, got ${positionals.length}`);
  }
  const key = positionals[0]!;
  const brokenRule = brokenObjectNameRule(key);
  if (brokenRule) throw new UsageError(`<object-key> must be ${brokenRule}, got ${shown(key, secrets)}`);
  return key;
}

/** `orElse` ends each "missing" message: what else the command offers (heartbeat-put's --local). */
function credentialsFrom(env: NodeJS.ProcessEnv, orElse: string): Credentials {
  const accessKeyId = env[ENV.accessKeyId] || env[ALIBABA_ENV.accessKeyId];
  const accessKeySecret = env[ENV.accessKeySecret] || env[ALIBABA_ENV.accessKeySecret];
  const stsToken = env[ENV.stsToken] || env[ALIBABA_ENV.stsToken];
  if (!accessKeyId || !accessKeySecret) {
    throw new UsageError(
      `missing credentials: set ${ENV.accessKeyId} and ${ENV.accessKeySecret} (or ${ALIBABA_ENV.accessKeyId} and ` +
        `${ALIBABA_ENV.accessKeySecret})${orElse}`,
    );
  }
  return stsToken ? { accessKeyId, accessKeySecret, stsToken } : { accessKeyId, accessKeySecret };
}

/** A flag's value, else its environment variable's. */
function flagOrEnv(flag: string, value: string | undefined, env: NodeJS.ProcessEnv, variable: string): Partial<Given> & { name: string } {
  if (value !== undefined) return { name: `--${flag}`, value: nonEmpty(`--${flag}`, value) };
  return { name: variable, value: env[variable] || undefined, fromEnvironment: true };
}

/** Where OSS is and the credentials, from TARGET_FLAGS and the environment; `orElse` as for credentialsFrom. */
export function ossTarget(
  values: { bucket?: string; endpoint?: string; region?: string },
  env: NodeJS.ProcessEnv,
  secrets: Secrets,
  orElse: string,
): Target {
  const bucket = flagOrEnv('bucket', values.bucket, env, ENV.bucket);
  const endpoint = flagOrEnv('endpoint', values.endpoint, env, ENV.endpoint);
  const region = flagOrEnv('region', values.region, env, ENV.region);
  if (!bucket.value) throw new UsageError(`missing bucket: pass --bucket or set ${ENV.bucket}${orElse}`);
  if (!endpoint.value && !region.value) {
    throw new UsageError(`missing endpoint: pass --endpoint or --region (or set ${ENV.endpoint} or ${ENV.region})${orElse}`);
  }
  const credentials = credentialsFrom(env, orElse);
  check(bucket as Given, isBucketName, BUCKET_NAME_RULE, secrets);
  if (endpoint.value) check(endpoint as Given, isEndpoint, ENDPOINT_RULE, secrets, (text) => describeValue(maskedEndpoint(text)));
  if (region.value) check(region as Given, isRegionId, REGION_RULE, secrets);
  return {
    kind: 'oss',
    bucket: bucket.value,
    credentials,
    ...(endpoint.value ? { endpoint: endpoint.value } : {}),
    ...(region.value ? { region: region.value } : {}),
  };
}

/**
 * The ali-oss client for a command: `target`, or with `local` the embedded server. What createOssClient still
 * refuses is the user's to fix: a usage error. `maxUploadMs`: createOssClient's, when the command sets it.
 */
export function clientFor(target: Target, local: LocalOss | undefined, maxUploadMs?: number): OSS {
  const oss = target.kind === 'oss' ? target : undefined;
  return withFlagNames({}, () =>
    createOssClient({
      ...(local ? local.clientOptions() : {}),
      ...(oss && {
        bucket: oss.bucket,
        ...oss.credentials,
        // The token comes from the environment and cannot be refreshed here; saying so keeps ali-oss from
        // printing its advice to set refreshSTSToken on every run.
        ...(oss.credentials.stsToken !== undefined && { refreshSTSTokenInterval: maxUploadMs ?? DEFAULT_MAX_UPLOAD_MS }),
        ...(oss.endpoint !== undefined && { endpoint: oss.endpoint }),
        ...(oss.region !== undefined && { region: oss.region }),
      }),
      ...(maxUploadMs !== undefined && { maxUploadMs }),
    } as Parameters<typeof createOssClient>[0]),
  );
}

/** Pooled keep-alive sockets must not hold the process open after the command's work. */
export function destroyAgents(client: OSS | undefined): void {
  const agents = client as { agent?: { destroy?(): void }; httpsAgent?: { destroy?(): void } } | undefined;
  agents?.agent?.destroy?.();
  agents?.httpsAgent?.destroy?.();
}
