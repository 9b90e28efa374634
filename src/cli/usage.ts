import { DEFAULT_FILLER_TEXT, IDLE_LIMITS } from 'heartbeat-readable';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_UPLOAD_MS,
  DEFAULT_RETRY,
} from 'heartbeat-readable/oss';
import { HELP_FLAGS, helpSections, wrap, type FlagSection, type FlagSpec } from './flags.js';
import { formatDuration, formatSize } from './format.js';
import { CREDENTIAL_VARIABLES, CREDENTIALS_NOTE, TARGET_FLAGS } from './target.js';
import { DURATIONS_NOTE } from './values.js';

/** Which upload a flag belongs to: one long PUT (the default), or --append. */
export type UploadMode = 'stream' | 'append';

export interface PutFlag extends FlagSpec {
  /** Only for this mode: given in the other, it is a usage error. */
  mode?: UploadMode;
}

/** The command's own default for --content-type (the library leaves the type to ali-oss's guess): a log is text. */
export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** How long an interrupted --append run keeps appending what it has read before it stops anyway. */
export const INTERRUPT_GRACE_MS = 5_000;

/** Every flag, with its help, in the order --help shows them: the one source of both the parser and the help. */
const SECTIONS: Array<FlagSection<PutFlag>> = [
  {
    title: `Where the object goes (${CREDENTIAL_VARIABLES}):`,
    flags: [
      ...TARGET_FLAGS,
      { name: 'content-type', value: '<mime>', option: 'upload.mime', help: `default: ${DEFAULT_CONTENT_TYPE}` },
      { name: 'local', help: 'upload to an embedded local OSS server, to try it without credentials' },
    ],
  },
  {
    title: 'One long PUT (the default):',
    flags: [
      {
        name: 'idle-limit',
        value: '<duration>',
        mode: 'stream',
        option: 'heartbeat.idleLimitMs',
        syntax: 'duration',
        help: `the server's idle limit (default ${formatDuration(IDLE_LIMITS.oss)})`,
      },
      {
        name: 'heartbeat-after',
        value: '<duration>',
        mode: 'stream',
        option: 'heartbeat.heartbeatAfterMs',
        syntax: 'duration',
        help: 'silence before a filler (default: half the idle limit)',
      },
      { name: 'filler', value: '<text>', mode: 'stream', option: 'heartbeat.filler', help: `the heartbeat's bytes (default '${DEFAULT_FILLER_TEXT}')` },
      {
        name: 'max-upload',
        value: '<duration>',
        mode: 'stream',
        option: 'client.maxUploadMs',
        syntax: 'duration',
        help: `response timeout for the whole upload (default ${formatDuration(DEFAULT_MAX_UPLOAD_MS)})`,
      },
    ],
  },
  {
    title: 'Append mode (OSS AppendObject): the object is the input byte for byte:',
    flags: [
      { name: 'append', help: 'append the input in batches; an existing object is refused' },
      { name: 'resume', mode: 'append', help: 'continue an existing object at its end, as a restarted build would' },
      { name: 'resume-at', value: '<bytes>', mode: 'append', option: 'append.resume.at', syntax: 'bytes', help: 'continue it only if it is this long (what was shipped)' },
      { name: 'reopen', mode: 'append', help: 'continue it even if its writer marked it complete' },
      {
        name: 'flush-interval',
        value: '<duration>',
        mode: 'append',
        option: 'append.flushIntervalMs',
        syntax: 'duration',
        help: `append once the oldest unsent byte is this old (default ${formatDuration(DEFAULT_FLUSH_INTERVAL_MS)})`,
      },
      {
        name: 'max-append',
        value: '<size>',
        mode: 'append',
        option: 'append.maxAppendBytes',
        syntax: 'size',
        help: `the largest append (default ${formatSize(DEFAULT_MAX_APPEND_BYTES)})`,
      },
      {
        name: 'max-buffered',
        value: '<size>',
        mode: 'append',
        option: 'append.maxBufferedBytes',
        syntax: 'size',
        help: `input held while OSS is unreachable, then reading waits (default ${formatSize(DEFAULT_MAX_BUFFERED_BYTES)})`,
      },
      {
        name: 'retry-for',
        value: '<duration>',
        mode: 'append',
        option: 'append.retry.maxElapsedMs',
        syntax: 'duration',
        help: `give up once an append has failed for this long (default ${formatDuration(DEFAULT_RETRY.maxElapsedMs)})`,
      },
    ],
  },
  {
    title: 'Output:',
    flags: [
      { name: 'tee', help: 'copy the input to standard output; if that closes (| head), the upload goes on' },
      { name: 'quiet', help: 'no status line, no summary' },
      ...HELP_FLAGS,
    ],
  },
];

export const FLAGS: readonly PutFlag[] = SECTIONS.flatMap((section) => section.flags);

export const USAGE = [
  'Usage: heartbeat-put [options] <object-key>',
  'Uploads standard input to OSS as <object-key> while it is written: one long PUT that heartbeats keep alive',
  '(the default), or with --append an appendable object, readable while it grows, in appends retried without loss.',
  ...helpSections(SECTIONS),
  '',
  ...wrap(`${DURATIONS_NOTE} Sizes: 1048576, 512KiB, 1MiB. ${CREDENTIALS_NOTE}`),
  'Exit status: 0 stored, 1 the upload failed, 2 usage error, 130/143 interrupted (SIGINT/SIGTERM); interrupted',
  `with --append, it first appends what it has read (${formatDuration(INTERRUPT_GRACE_MS)} at most; a second signal stops at once),`,
  'then says what is stored.',
].join('\n');
