import { parseArgs } from 'node:util';
import type { Secrets } from './secrets.js';
import { byteCount, parseDuration, shown, sizeOf, UsageError } from './values.js';

/** One flag of a command's table: the one source of its parser and its --help. */
export interface FlagSpec {
  name: string;
  /** The value's placeholder, such as '<duration>'; a flag without one is a switch. */
  value?: string;
  short?: string;
  help: string;
  /**
   * The library option the flag sets, as `<group>.<option>` ('append.maxBufferedBytes', 'append.retry.maxElapsedMs'):
   * the group says which call takes it, the rest is the option's name in that call's resolver and errors.
   */
  option?: string;
  /** How the flag's text is read before the library checks the value; default 'text'. */
  syntax?: Syntax;
}

/** The syntaxes a flag's value may have: a command reads the syntax, the library checks the value. */
export type Syntax = 'text' | 'duration' | 'size' | 'bytes' | 'integer';

/** A titled group of flags, as --help shows them. */
export interface FlagSection<Flag extends FlagSpec = FlagSpec> {
  title: string;
  flags: Flag[];
}

/** Every command's last two flags. */
export const HELP_FLAGS: readonly FlagSpec[] = [
  { name: 'help', short: 'h', help: 'this help' },
  { name: 'version', short: 'v', help: 'the version' },
];

type ParseOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** The flags as node:util parseArgs takes them. */
export function parseOptionsOf(flags: readonly FlagSpec[]): ParseOptions {
  return Object.fromEntries<ParseOptions[string]>(
    flags.map(({ name, value, short }) => [name, { type: value ? 'string' : 'boolean', ...(short && { short }) }]),
  );
}

const HELP_COLUMN = 32;

function helpLine({ name, value, short, help }: FlagSpec): string {
  const flag = `${short ? `-${short}, ` : ''}--${name}${value ? ` ${value}` : ''}`;
  return `  ${flag.padEnd(HELP_COLUMN - 4)}  ${help}`;
}

/** The sections of --help, each after an empty line. */
export function helpSections(sections: ReadonlyArray<FlagSection>): string[] {
  return sections.flatMap(({ title, flags }) => ['', title, ...flags.map(helpLine)]);
}

/** `text` in lines of at most `width` characters, broken at spaces. */
export function wrap(text: string, width = 112): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  // rows[i][j]: the distance between a's first i and b's first j characters.
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The flag `name` most likely meant: the nearest in the flag table, if a slip of one or two characters away. */
function closestFlag(name: string, flags: readonly FlagSpec[]): string | undefined {
  const most = Math.min(2, Math.max(1, Math.floor(name.length / 3)));
  let closest: { flag: string; distance: number } | undefined;
  for (const { name: flag } of flags) {
    const distance = editDistance(name.toLowerCase(), flag);
    if (distance <= most && (closest === undefined || distance < closest.distance)) closest = { flag, distance };
  }
  return closest?.flag;
}

/** Node's parseArgs messages can span lines; a usage error is one. */
function oneLine(error: Error): string {
  return error.message.replace(/\s*\n\s*/g, ' ');
}

/**
 * parseArgs's own message names no flag to use instead: this one names the nearest, when one is near, or says
 * why the command does not take a flag its sibling does (`notHere`, by name).
 */
function unknownOptionError(argv: string[], flags: readonly FlagSpec[], notHere: Record<string, string>, error: Error): UsageError {
  const options = parseOptionsOf(flags);
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const unknown = tokens.find((token) => token.kind === 'option' && !Object.hasOwn(options, token.name));
  if (unknown?.kind !== 'option') return new UsageError(oneLine(error));
  const long = unknown.rawName.startsWith('--');
  if (long && Object.hasOwn(notHere, unknown.name)) return new UsageError(`${unknown.rawName} does not work here: ${notHere[unknown.name]}`);
  const meant = long ? closestFlag(unknown.name, flags) : undefined;
  return new UsageError(`unknown option '${unknown.rawName}'${meant === undefined ? '' : `; did you mean '--${meant}'?`}`);
}

/** A command line read against a flag table. */
export interface ParsedFlags {
  positionals: string[];
  /** A flag's value, if it was given one. */
  text: (name: string) => string | undefined;
  /** Whether a switch was given. */
  on: (name: string) => boolean;
  /** Whether a flag was given at all. */
  given: (name: string) => boolean;
}

/** Reads `argv` strictly against `flags`; an unknown or malformed flag is a usage error. */
export function readFlags(argv: string[], flags: readonly FlagSpec[], notHere: Record<string, string> = {}): ParsedFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: parseOptionsOf(flags), allowPositionals: true, strict: true });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownOptionError(argv, flags, notHere, error as Error);
    throw new UsageError(oneLine(error as Error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    positionals: parsed.positionals,
    text: (name) => {
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    },
    on: (name) => values[name] === true,
    given: (name) => values[name] !== undefined,
  };
}

/** A flag's text read by its syntax; undefined when not given. */
export function readSyntax(syntax: Syntax, name: string, text: string | undefined, secrets: Secrets): unknown {
  switch (syntax) {
    case 'duration':
      return parseDuration(name, text, secrets);
    case 'size':
      return sizeOf(name, text, secrets);
    case 'bytes':
      return byteCount(name, text, secrets);
    case 'integer':
      if (text !== undefined && !/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number such as 4545, got ${shown(text, secrets)}`);
      return text === undefined ? undefined : Number(text);
    case 'text':
      // Any text the library takes, but never a configured secret: the command's environment is its own concern.
      if (text !== undefined && secrets.isIn(text)) throw new UsageError(`--${name} must not hold a configured secret or token (are two variables swapped?)`);
      return text;
  }
}

/**
 * The library's options as `flags` set them, one object per group (see FlagSpec.option), each value read by its
 * flag's syntax; a flag not given sets nothing, so the library's default holds. Also the names to rename.
 */
export function optionsOf(
  flags: readonly FlagSpec[],
  text: (name: string) => string | undefined,
  secrets: Secrets,
): { groups: Record<string, Record<string, unknown>>; names: Record<string, string> } {
  const groups: Record<string, Record<string, unknown>> = {};
  const names: Record<string, string> = {};
  for (const { name, option, syntax = 'text' } of flags) {
    if (option === undefined) continue;
    const [group, ...path] = option.split('.');
    names[path.join('.')] = `--${name}`;
    const value = readSyntax(syntax, name, text(name), secrets);
    if (value === undefined) continue;
    let at = (groups[group!] ??= {});
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = value;
  }
  return { groups, names };
}
