import type OSS from 'ali-oss';
// The package's own entries, as a user imports them: the commands share their one core.
import { createOssClient, resolveOssClientOptions, type OssClientOptions } from 'heartbeat-readable/oss';
import type { LocalOss } from 'heartbeat-readable/testing';
import { brokenObjectNameRule } from '../internal/names.js';
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
  | {
      kind: 'oss';
      bucket: string;
      endpoint?: string;
      region?: string;
      credentials: Credentials;
      /** Where each of bucket, endpoint and region came from, as the user gave it: a flag, or a variable. */
      givenAs: Record<string, string>;
    };

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
  // A configured secret must not go where messages, logs and DNS queries show it; the names' rules are createOssClient's.
  const valid = (): boolean => true;
  for (const given of [bucket, endpoint, region]) if (given.value) check(given as Given, valid, '', secrets);
  return {
    kind: 'oss',
    bucket: bucket.value,
    credentials,
    givenAs: { bucket: bucket.name, endpoint: endpoint.name, region: region.name },
    ...(endpoint.value ? { endpoint: endpoint.value } : {}),
    ...(region.value ? { region: region.value } : {}),
  };
}

/** createOssClient's options as a command's flags and the environment set them, and its resolved maxUploadMs. */
export interface ClientSettings {
  options: OssClientOptions | Partial<OssClientOptions>;
  maxUploadMs: number;
}

/** The local server's credentials, generated when it starts: these stand for them while the flags are checked. */
const LOCAL_STAND_IN = { accessKeyId: 'local-oss-key', accessKeySecret: 'local-oss-secret' };

/**
 * createOssClient's options for `target` and the command's flags (`flags`: maxUploadMs), checked by its resolver
 * now, so that what it refuses is a usage error before any request, naming the flag or variable as given. A value
 * from the environment is not shown: swapped CI variables put secrets there.
 */
export function checkedClientOptions(target: Target, flags: Partial<OssClientOptions>, names: Record<string, string>): ClientSettings {
  const oss = target.kind === 'oss' ? target : undefined;
  const options: OssClientOptions | Partial<OssClientOptions> = {
    ...flags,
    ...(oss && {
      bucket: oss.bucket,
      ...oss.credentials,
      ...(oss.endpoint !== undefined && { endpoint: oss.endpoint }),
      ...(oss.region !== undefined && { region: oss.region }),
    }),
  };
  const givenAs = { ...names, ...oss?.givenAs };
  const { maxUploadMs } = withFlagNames(givenAs, () => {
    try {
      return resolveOssClientOptions({ ...LOCAL_STAND_IN, ...options });
    } catch (error) {
      const option = (error as { option?: unknown }).option;
      if (error instanceof Error && typeof option === 'string' && !givenAs[option]?.startsWith('--')) {
        error.message = error.message.replace(/, got [\s\S]*$/, `, got ${shown('', { isIn: () => false, redact: (text) => text }, true)}`);
      }
      throw error;
    }
  });
  // The token comes from the environment and cannot be refreshed here; saying so keeps ali-oss from printing its
  // advice to set refreshSTSToken on every run.
  const refresh = oss?.credentials.stsToken !== undefined ? { refreshSTSTokenInterval: maxUploadMs } : {};
  return { options: { ...options, ...refresh }, maxUploadMs };
}

/** The ali-oss client for a command: its checked options, with `local` the embedded server's over them. */
export function clientFor({ options }: ClientSettings, local: LocalOss | undefined): OSS {
  return createOssClient({ ...(local ? local.clientOptions() : {}), ...options } as OssClientOptions);
}

/** Pooled keep-alive sockets must not hold the process open after the command's work. */
export function destroyAgents(client: OSS | undefined): void {
  const agents = client as { agent?: { destroy?(): void }; httpsAgent?: { destroy?(): void } } | undefined;
  agents?.agent?.destroy?.();
  agents?.httpsAgent?.destroy?.();
}
