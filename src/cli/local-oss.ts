import { IDLE_LIMITS } from 'heartbeat-readable';
import { resolveLocalOssOptions, startLocalOss, type LocalOss, type LocalOssOptions } from 'heartbeat-readable/testing';
import { HELP_FLAGS, helpSections, optionsOf, readFlags, wrap, type FlagSection } from './flags.js';
import { formatDuration } from './format.js';
import type { CliIo, Voice } from './io.js';
import { watchInterrupts } from './interrupts.js';
import { runProgram, type InfoRequest } from './program.js';
import { secretsOf } from './secrets.js';
import { ALIBABA_ENV, ENV } from './target.js';
import { check, DURATIONS_NOTE, shown, UsageError, withFlagNames } from './values.js';

const NAME = 'heartbeat-local-oss';

const SECTIONS: FlagSection[] = [
  {
    title: 'The server (on 127.0.0.1):',
    flags: [
      { name: 'port', value: '<number>', option: 'server.port', syntax: 'integer', help: 'where it listens (default: a free port, printed)' },
      {
        name: 'idle-limit',
        value: '<duration>',
        option: 'server.idleLimitMs',
        syntax: 'duration',
        help: `end a request whose body is silent this long, as OSS does (default ${formatDuration(IDLE_LIMITS.oss)})`,
      },
      { name: 'bucket', value: '<name>', option: 'server.bucket', help: 'its one bucket (default: generated)' },
      { name: 'access-key-id', value: '<id>', option: 'server.accessKeyId', help: 'the access key ID it accepts (default: generated)' },
      { name: 'access-key-secret', value: '<secret>', option: 'server.accessKeySecret', help: 'the secret it accepts (default: generated)' },
    ],
  },
  { title: 'Help:', flags: [...HELP_FLAGS] },
];

const FLAGS = SECTIONS.flatMap((section) => section.flags);

/** What the printed lines set, and what they unset: a session token or region left from real OSS would go along. */
const UNSET = [ENV.region, ENV.stsToken, ALIBABA_ENV.stsToken];

export const LOCAL_OSS_USAGE = [
  `Usage: ${NAME} [options]`,
  'Starts a local OSS-compatible server for heartbeat-put and heartbeat-tail (or any OSS client) to try without',
  'credentials, and prints the variables that point them at it, as lines a shell can eval. It keeps the objects in',
  'memory, and runs until SIGINT (Ctrl-C) or SIGTERM.',
  ...helpSections(SECTIONS),
  '',
  ...wrap(
    `${DURATIONS_NOTE} Standard output has the variables alone: \`${NAME} > local-oss.env\`, then ` +
      '`eval "$(cat local-oss.env)"` in another shell, or paste them there.',
  ),
  'Exit status: 0 stopped by SIGINT or SIGTERM, 1 it could not start (a port in use), 2 usage error.',
].join('\n');

export interface LocalOssCommand {
  action: 'serve';
  options: LocalOssOptions;
}

/** Reads the command line; throws UsageError for anything the user must fix. */
export function parseLocalOss(argv: string[], env: NodeJS.ProcessEnv): LocalOssCommand | InfoRequest {
  const secrets = secretsOf(env);
  const { positionals, text, on } = readFlags(argv, FLAGS);
  if (on('help')) return { action: 'help' };
  if (on('version')) return { action: 'version' };
  if (positionals.length > 0) throw new UsageError(`${NAME} takes no arguments, got ${shown(positionals[0]!, secrets)}`);
  const { groups, names } = optionsOf(FLAGS, text, secrets);
  const options: LocalOssOptions = groups.server ?? {};
  // Printed on standard output for any shell to read: never one of the secrets this environment holds.
  for (const flag of ['bucket', 'access-key-id', 'access-key-secret']) {
    const value = text(flag);
    if (value !== undefined) check({ name: `--${flag}`, value }, () => true, '', secrets);
  }
  withFlagNames(names, () => resolveLocalOssOptions(options));
  return { action: 'serve', options };
}

/** A value as one shell word: as it is when nothing in it is special to a shell, else in single quotes. */
function shellWord(value: string): string {
  return /^[\w.:/@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The lines that point heartbeat-put, heartbeat-tail and other OSS clients at `local`, for a shell to eval. */
function exportsFor(local: LocalOss): string {
  const values = {
    [ENV.endpoint]: local.endpoint,
    [ENV.bucket]: local.bucket,
    [ENV.accessKeyId]: local.accessKeyId,
    [ENV.accessKeySecret]: local.accessKeySecret,
  };
  return [`unset ${UNSET.join(' ')}`, ...Object.entries(values).map(([name, value]) => `export ${name}=${shellWord(value)}`), ''].join('\n');
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why the server could not listen, and what to do. */
function listenFailure(error: unknown, command: LocalOssCommand): string {
  const { code } = (error ?? {}) as { code?: unknown };
  if (typeof code !== 'string') throw error;
  const where = `127.0.0.1:${command.options.port ?? 0}`;
  return code === 'EADDRINUSE'
    ? `cannot listen at ${where}: another process listens there (EADDRINUSE). Choose another --port, or leave it out for a free one.`
    : `cannot listen at ${where} (${code}). Choose another --port, or leave it out for a free one.`;
}

async function serve(command: LocalOssCommand, io: CliIo, voice: Voice): Promise<number> {
  const interrupts = watchInterrupts(io.signals);
  try {
    let local: LocalOss;
    try {
      local = await startLocalOss(command.options);
    } catch (error) {
      voice.say(listenFailure(error, command));
      return 1;
    }
    io.stdout.write(exportsFor(local));
    voice.say(
      `local OSS at ${local.endpoint}, bucket ${local.bucket}, objects in memory. Eval the lines on standard output in ` +
        'another shell to point heartbeat-put and heartbeat-tail at it. Ctrl-C stops it.',
    );
    const { signal } = interrupts;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    const { objects, stored, appends } = local.stats();
    await local.close();
    voice.say(
      `stopped by ${interrupts.by}: it held ${count(objects, 'object')} (${count(stored, 'PutObject')}, ${count(appends, 'append')}), gone with it`,
    );
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** Runs heartbeat-local-oss and resolves with its exit status once a signal stopped it. Never throws. */
export function runHeartbeatLocalOss(io: CliIo): Promise<number> {
  return runProgram({ name: NAME, usage: LOCAL_OSS_USAGE, parse: parseLocalOss, run: serve }, io);
}
