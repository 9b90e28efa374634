import type { Writable } from 'node:stream';
import type OSS from 'ali-oss';
import {
  DEFAULT_POLL_INTERVAL_MS,
  FollowLogError,
  followLog,
  resolveFollowLogOptions,
  type FollowLogErrorCode,
  type FollowLogOptions,
} from 'heartbeat-readable/oss';
import { describeFailure } from '../internal/failures.js';
import { HELP_FLAGS, helpSections, optionsOf, readFlags, wrap, type FlagSection } from './flags.js';
import { formatDuration } from './format.js';
import type { CliIo, Voice } from './io.js';
import { SIGNAL_EXIT_CODES, watchInterrupts } from './interrupts.js';
import { runProgram, type InfoRequest } from './program.js';
import { secretsOf } from './secrets.js';
import {
  checkedClientOptions,
  clientFor,
  CREDENTIAL_VARIABLES,
  CREDENTIALS_NOTE,
  destroyAgents,
  objectKeyOf,
  ossTarget,
  TARGET_FLAGS,
  type ClientSettings,
} from './target.js';
import { DURATIONS_NOTE, withFlagNames } from './values.js';

const NAME = 'heartbeat-tail';

const SECTIONS: FlagSection[] = [
  { title: `Where the log is (${CREDENTIAL_VARIABLES}):`, flags: [...TARGET_FLAGS] },
  {
    title: 'Following:',
    flags: [
      { name: 'from', value: '<bytes>', option: 'follow.start', syntax: 'bytes', help: 'start at this byte of the log (default: its start)' },
      {
        name: 'poll-interval',
        value: '<duration>',
        option: 'follow.pollIntervalMs',
        syntax: 'duration',
        help: `wait between two reads that find nothing new (default ${formatDuration(DEFAULT_POLL_INTERVAL_MS)})`,
      },
      { name: 'give-up-after', value: '<duration>', option: 'follow.giveUpAfterMs', syntax: 'duration', help: 'fail once the log has not grown for this long (default: wait for ever)' },
    ],
  },
  { title: 'Help:', flags: [...HELP_FLAGS] },
];

export const TAIL_FLAGS = SECTIONS.flatMap((section) => section.flags);

/** Flags of heartbeat-put that heartbeat-tail does not take, and why. */
const NOT_HERE = {
  local:
    "heartbeat-tail follows a log that another process writes, and --local's server would start empty. " +
    'Run heartbeat-local-oss and eval what it prints, in both shells.',
};

export const TAIL_USAGE = [
  `Usage: ${NAME} [options] <object-key>`,
  'Prints the log <object-key> to standard output as it grows in OSS (an appendable object, as heartbeat-put --append',
  'writes it), and ends once its writer marks it complete. It may start before the log exists; heartbeat-local-oss',
  'starts a local OSS server to try it on.',
  ...helpSections(SECTIONS),
  '',
  ...wrap(`${DURATIONS_NOTE} ${CREDENTIALS_NOTE}`),
  ...wrap(
    'Exit status: 0 the log is complete (or the reader of standard output went away: | head), 1 following failed (the ' +
      'log was replaced, cut, deleted or ended incomplete, it stalled, OSS refused, or requests kept failing), 2 usage ' +
      'error, 130/143 interrupted (SIGINT/SIGTERM).',
  ),
].join('\n');

export interface TailCommand {
  action: 'tail';
  key: string;
  client: ClientSettings;
  /** followLog's options as the flags set them. */
  follow: FollowLogOptions;
  /** As followLog resolved them, for the failure lines. */
  start: number;
  giveUpAfterMs: number | undefined;
}

/** Reads the command line and the environment; throws UsageError for anything the user must fix. */
export function parseTail(argv: string[], env: NodeJS.ProcessEnv): TailCommand | InfoRequest {
  const secrets = secretsOf(env);
  const { positionals, text, on } = readFlags(argv, TAIL_FLAGS, NOT_HERE);
  if (on('help')) return { action: 'help' };
  if (on('version')) return { action: 'version' };
  const key = objectKeyOf(positionals, secrets);
  const { groups, names } = optionsOf(TAIL_FLAGS, text, secrets);
  const follow: FollowLogOptions = groups.follow ?? {};
  const { start, giveUpAfterMs } = withFlagNames(names, () => resolveFollowLogOptions(follow));
  const target = ossTarget(
    { bucket: text('bucket'), endpoint: text('endpoint'), region: text('region') },
    env,
    secrets,
    ' (heartbeat-local-oss prints them for a local server)',
  );
  return { action: 'tail', key, client: checkedClientOptions(target, {}, names), follow, start, giveUpAfterMs };
}

/** Standard output failed: its reader went away (EPIPE, `| head`), or something else went wrong. */
class OutputError extends Error {
  constructor(readonly failure: Error | null | undefined) {
    super('writing to standard output failed');
  }

  /** The reader went away, or the stream was closed: nothing more to print, and no failure of the command. */
  get readerGone(): boolean {
    const code = (this.failure as NodeJS.ErrnoException | null)?.code;
    return this.failure == null || code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
  }
}

/** Writes `chunk` and waits until `out` has taken it: a slow reader slows the follower, which then stops polling. */
function print(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed || out.writableEnded) return reject(new OutputError(out.errored));
    out.write(chunk, (error) => (error ? reject(new OutputError(error)) : resolve()));
  });
}

function bytes(n: number): string {
  return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
}

/** What a failure line says for each way following can fail: what happened, at which byte, and what to do. */
const FAILURES: Record<Exclude<FollowLogErrorCode, 'ABORT_ERR'>, (command: TailCommand, at: number, cause: unknown) => string> = {
  ERR_LOG_REPLACED: ({ key }, at) =>
    `${key} was replaced: the object no longer holds the bytes printed, so what it holds after byte ${at} would not continue them`,
  ERR_LOG_TRUNCATED: ({ key, start }, at) =>
    at === start && start > 0
      ? `${key} is shorter than --from ${start}`
      : `${key} was cut or replaced: it is now shorter than the ${bytes(at)} read`,
  ERR_LOG_DELETED: ({ key }, at) => `${key} was deleted, at byte ${at}`,
  ERR_LOG_INCOMPLETE: ({ key }, at) =>
    `${key} ended incomplete at byte ${at}: its writer failed or was interrupted before it finished the log`,
  ERR_LOG_STALLED: ({ key, giveUpAfterMs }, at) =>
    `${key} has not grown for ${formatDuration(giveUpAfterMs!)} (--give-up-after), at byte ${at}; --from ${at} goes on from there`,
  ERR_FOLLOW_GAVE_UP: ({ key }, at, cause) =>
    `reading ${key} kept failing (${describeFailure(cause)}), at byte ${at}; --from ${at} goes on from there`,
  ERR_FOLLOW_REFUSED: ({ key }, _at, cause) =>
    `OSS refused reading ${key} (${describeFailure(cause)}): check the credentials, --bucket, and --endpoint or --region`,
};

async function tail(command: TailCommand, io: CliIo, voice: Voice): Promise<number> {
  const interrupts = watchInterrupts(io.signals);
  // A failed standard output is told by the write that meets it; until then its error event must not go unheard.
  const ignore = (): void => {};
  io.stdout.on('error', ignore);
  let client: OSS | undefined;
  let printed = 0;
  try {
    client = clientFor(command.client, undefined);
    const { start } = command;
    const follower = followLog(client, command.key, { ...command.follow, signal: interrupts.signal });
    try {
      for await (const chunk of follower) {
        await print(io.stdout, chunk as Buffer);
        printed += (chunk as Buffer).length;
      }
      return 0;
    } catch (error) {
      const at = start + printed;
      if (interrupts.by) {
        voice.say(`interrupted by ${interrupts.by} at byte ${at} of ${command.key}; --from ${at} goes on from there`);
        return SIGNAL_EXIT_CODES[interrupts.by];
      }
      if (error instanceof OutputError) {
        if (error.readerGone) return 0;
        voice.say(`${error.message} (${describeFailure(error.failure)}) at byte ${at} of ${command.key}`);
        return 1;
      }
      if (!(error instanceof FollowLogError) || error.code === 'ABORT_ERR') throw error;
      voice.say(FAILURES[error.code](command, at, error.cause));
      voice.debug(error);
      return 1;
    }
  } finally {
    io.stdout.off('error', ignore);
    interrupts.dispose();
    destroyAgents(client);
  }
}

/** Runs heartbeat-tail and resolves with its exit status. Never throws, and never prints a configured secret. */
export function runHeartbeatTail(io: CliIo): Promise<number> {
  return runProgram({ name: NAME, usage: TAIL_USAGE, parse: parseTail, run: tail }, io);
}
