import { createRequire } from 'node:module';
import { firstLineOf } from './format.js';
import type { CliIo, Voice } from './io.js';
import { secretsOf } from './secrets.js';
import { CLEAR_LINE } from './status-line.js';
import { UsageError } from './values.js';

/** What --help and --version ask for: no work, only a text on standard output. */
export type InfoRequest = { action: 'help' } | { action: 'version' };

/** One command: its name (the prefix of every line it says), its --help, and how it reads its arguments and runs. */
export interface Program<Command> {
  name: string;
  usage: string;
  /** Reads the command line and the environment; throws UsageError for anything the user must fix. */
  parse(argv: string[], env: NodeJS.ProcessEnv): Command | InfoRequest;
  /** Does the work and resolves with the exit status. */
  run(command: Command, io: CliIo, voice: Voice): Promise<number>;
}

function packageVersion(): string {
  // The same relative path from src/cli/ and from the built dist/cli/.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

function voiceOf(io: CliIo, name: string): Voice {
  const { redact } = secretsOf(io.env);
  const voice: Voice = {
    statusShown: false,
    say(line) {
      io.stderr.write(redact(`${voice.statusShown ? CLEAR_LINE : ''}${name}: ${line}\n`));
    },
    debug(error) {
      if (io.env.DEBUG) io.stderr.write(redact(`${(error as Error | undefined)?.stack ?? String(error)}\n`));
    },
  };
  return voice;
}

function isInfoRequest(parsed: unknown): parsed is InfoRequest {
  const { action } = parsed as { action?: unknown };
  return action === 'help' || action === 'version';
}

/**
 * Runs `program` and resolves with its exit status: 2 and a hint for a usage error, 1 and one line for a
 * failure it did not expect. Never throws, and never prints a configured secret.
 */
export async function runProgram<Command>(program: Program<Command>, io: CliIo): Promise<number> {
  const voice = voiceOf(io, program.name);
  try {
    const parsed = program.parse(io.argv, io.env);
    if (!isInfoRequest(parsed)) return await program.run(parsed, io, voice);
    io.stdout.write(`${parsed.action === 'help' ? program.usage : packageVersion()}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      voice.say(`${error.message}\nTry '${program.name} --help' for usage.`);
      return 2;
    }
    voice.say(`internal error: ${firstLineOf(error)}`);
    voice.debug(error);
    return 1;
  }
}
