import { resolveHeartbeatOptions, type HeartbeatOptions } from 'heartbeat-readable';
import {
  resolveAppendStreamOptions,
  resolvePutStreamWithHeartbeatOptions,
  type AppendStreamOptions,
  type ResolvedAppendStreamOptions,
} from 'heartbeat-readable/oss';
import { optionsOf, readFlags } from './flags.js';
import type { InfoRequest } from './program.js';
import { secretsOf } from './secrets.js';
import { checkedClientOptions, objectKeyOf, ossTarget, type ClientSettings, type Target } from './target.js';
import { DEFAULT_CONTENT_TYPE, FLAGS } from './usage.js';
import { UsageError, withFlagNames } from './values.js';

export { UsageError } from './values.js';
export type { Credentials, Target } from './target.js';

/** How --append uploads: appendStream's options as the flags set them, and as appendStream resolved them. */
export interface AppendSettings {
  options: AppendStreamOptions;
  resolved: ResolvedAppendStreamOptions;
}

export interface PutCommand {
  action: 'put';
  key: string;
  target: Target;
  /** The stream mode's heartbeats, as withHeartbeat resolved them; with --append only idleLimitMs counts (for --local's server). */
  heartbeat: { options: HeartbeatOptions; idleLimitMs: number; heartbeatAfterMs: number };
  /** createOssClient's options that the flags set, as it resolved them (maxUploadMs: its default unless --max-upload). */
  client: ClientSettings;
  contentType: string;
  tee: boolean;
  quiet: boolean;
  /** Set with --append: the input goes in appends instead of one long PUT. */
  append: AppendSettings | undefined;
}

export type Command = InfoRequest | PutCommand;

/** Flags given for the other mode than the one chosen: a usage error that names both flags. */
function checkModeOf(given: (name: string) => boolean): void {
  const append = given('append');
  for (const { name, mode } of FLAGS) {
    if (mode === undefined || !given(name)) continue;
    if (mode === 'append' && !append) throw new UsageError(`--${name} works only with --append`);
    if (mode === 'stream' && append) {
      throw new UsageError(`--${name} does not work with --append, which sends no heartbeats and no long request`);
    }
  }
}

/**
 * Reads the command line and the environment; throws UsageError for anything the user must fix. The flags' values
 * go, read by their syntax, to the library's resolvers (usage.ts's table names each flag's option): the rules and
 * defaults are theirs, and what they refuse is a usage error that names the flag as typed.
 */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  const secrets = secretsOf(env);
  const { positionals, text, on, given } = readFlags(argv, FLAGS);
  if (on('help')) return { action: 'help' };
  if (on('version')) return { action: 'version' };

  const key = objectKeyOf(positionals, secrets);
  checkModeOf(given);
  const { groups, names } = optionsOf(FLAGS, text, secrets);
  const { heartbeat = {}, client = {}, upload = {}, append: appendGroup = {} } = groups;
  const mime = (upload.mime as string | undefined) ?? DEFAULT_CONTENT_TYPE;

  const heartbeatOptions = heartbeat as HeartbeatOptions;
  const { idleLimitMs, heartbeatAfterMs } = withFlagNames(names, () => resolveHeartbeatOptions(heartbeatOptions));
  let append: AppendSettings | undefined;
  if (on('append')) {
    const resume = appendGroup.resume === undefined && !on('reopen') ? on('resume') : { ...(appendGroup.resume as object), reopen: on('reopen') };
    // Bounded by time alone: --retry-for is the one retry limit a user sets.
    const retry = { attempts: Infinity, ...(appendGroup.retry as object | undefined) };
    const options: AppendStreamOptions = { ...appendGroup, mime, resume, retry };
    append = { options, resolved: withFlagNames(names, () => resolveAppendStreamOptions(options)) };
  } else {
    withFlagNames(names, () => resolvePutStreamWithHeartbeatOptions({ mime }));
  }

  const target: Target = on('local')
    ? { kind: 'local' }
    : ossTarget({ bucket: text('bucket'), endpoint: text('endpoint'), region: text('region') }, env, secrets, ', or use --local');
  return {
    action: 'put',
    key,
    target,
    heartbeat: { options: heartbeatOptions, idleLimitMs, heartbeatAfterMs },
    client: checkedClientOptions(target, client, names),
    contentType: mime,
    tee: on('tee'),
    quiet: on('quiet'),
    append,
  };
}
