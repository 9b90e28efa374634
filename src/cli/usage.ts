import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_RETRY,
} from 'heartbeat-readable/oss';
import { formatDuration, formatSize } from './format.js';

/** Which upload a flag belongs to: one long PUT (the default), or --append. */
export type UploadMode = 'stream' | 'append';

export interface FlagSpec {
  name: string;
  /** The value's placeholder, such as '<duration>'; a flag without one is a switch. */
  value?: string;
  short?: string;
  /** One line, or several: the later ones continue under the first. */
  help: string | string[];
  /** Only for this mode: given in the other, it is a usage error. */
  mode?: UploadMode;
}

/** How long an interrupted --append run keeps appending what it has read before it stops anyway. */
export const INTERRUPT_GRACE_MS = 5_000;

/** Every flag, with its help, in the order --help shows them: the one source of both the parser and the help. */
const SECTIONS: Array<{ title: string; flags: FlagSpec[] }> = [
  {
    title: 'Where the object goes:',
    flags: [
      { name: 'bucket', value: '<name>', help: 'env OSS_BUCKET' },
      { name: 'endpoint', value: '<url>', help: 'env OSS_ENDPOINT' },
      { name: 'region', value: '<id>', help: 'env OSS_REGION' },
      { name: 'content-type', value: '<mime>', help: 'default text/plain; charset=utf-8' },
      { name: 'local', help: 'upload to an embedded local OSS server (no credentials); say where the object went' },
    ],
  },
  {
    title: 'One long PUT (the default):',
    flags: [
      { name: 'idle-limit', value: '<duration>', mode: 'stream', help: "the server's idle limit (default 60s); accepts 60000, 60s, 1m" },
      {
        name: 'heartbeat-after',
        value: '<duration>',
        mode: 'stream',
        help: 'default: half the idle limit; it plus a sixteenth of it must stay under the limit',
      },
      { name: 'filler', value: '<text>', mode: 'stream', help: "default ' '" },
      { name: 'max-upload', value: '<duration>', mode: 'stream', help: 'response timeout for the whole upload (default 2h)' },
    ],
  },
  {
    title:
      'Append mode (OSS AppendObject): the object is the input byte for byte, readable while it grows; no request\n' +
      'outlasts one append, and a failed append is retried without losing or repeating a byte:',
    flags: [
      { name: 'append', help: 'append the input in batches instead of one long PUT; an existing object is refused' },
      { name: 'resume', mode: 'append', help: 'continue the object at its end if it exists, as a restarted build would' },
      {
        name: 'flush-interval',
        value: '<duration>',
        mode: 'append',
        help: `append once the oldest unsent byte is this old (default ${formatDuration(DEFAULT_FLUSH_INTERVAL_MS)})`,
      },
      {
        name: 'max-append',
        value: '<size>',
        mode: 'append',
        help: `the largest append (default ${formatSize(DEFAULT_MAX_APPEND_BYTES)}); accepts 1048576, 512KiB, 1MiB, 1GiB`,
      },
      {
        name: 'max-buffered',
        value: '<size>',
        mode: 'append',
        help: [
          `the most input held while OSS is slow or unreachable (default ${formatSize(DEFAULT_MAX_BUFFERED_BYTES)}, at least`,
          '--max-append); beyond it, reading the input waits',
        ],
      },
      {
        name: 'retry-for',
        value: '<duration>',
        mode: 'append',
        help: `how long one append may keep failing before heartbeat-put gives up (default ${formatDuration(DEFAULT_RETRY.maxElapsedMs)})`,
      },
    ],
  },
  {
    title: 'Output:',
    flags: [
      {
        name: 'tee',
        help: [
          'copy the input to standard output, unchanged, as it passes; if standard',
          'output fails or closes (| head), the copy stops and the upload goes on',
        ],
      },
      { name: 'quiet', help: 'no status line, no summary' },
      { name: 'help', short: 'h', help: 'this help' },
      { name: 'version', short: 'v', help: 'the version' },
    ],
  },
];

export const FLAGS: readonly FlagSpec[] = SECTIONS.flatMap((section) => section.flags);

/** The flags as node:util parseArgs takes them. */
export const PARSE_OPTIONS = Object.fromEntries(
  FLAGS.map(({ name, value, short }) => [name, { type: value ? 'string' : 'boolean', ...(short && { short }) }] as const),
) as Record<string, { type: 'string' | 'boolean'; short?: string }>;

const HELP_COLUMN = 32;

function helpLines({ name, value, short, help }: FlagSpec): string[] {
  const flag = `${short ? `-${short}, ` : ''}--${name}${value ? ` ${value}` : ''}`;
  const [first, ...rest] = [help].flat();
  return [`  ${flag.padEnd(HELP_COLUMN - 4)}  ${first}`, ...rest.map((line) => `${' '.repeat(HELP_COLUMN)}${line}`)];
}

export const USAGE = [
  'Usage: heartbeat-put [options] <object-key>',
  'Reads standard input and uploads it to OSS as <object-key> while it is written: by default as one long PUT that',
  'heartbeats keep alive through silence; with --append as an appendable object that grows as the input comes.',
  ...SECTIONS.flatMap(({ title, flags }) => ['', title, ...flags.flatMap(helpLines)]),
  '',
  'Credentials come from the environment only: OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN',
  '(or ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN).',
  'Exit status: 0 uploaded, 1 the upload failed, 2 usage error, 130/143 interrupted (SIGINT/SIGTERM).',
  `Interrupted with --append, it first appends what it has read (for at most ${formatDuration(INTERRUPT_GRACE_MS)}, or until a second`,
  'signal), then says what the object holds.',
  '',
  'Examples: make 2>&1 | heartbeat-put --tee logs/build-42.log',
  '          make 2>&1 | heartbeat-put --append --tee logs/build-42.log',
].join('\n');
