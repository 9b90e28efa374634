import { describe, expect, it } from 'vitest';
import { DEFAULT_FILLER_TEXT, IDLE_LIMITS } from '../../src/index.js';
import {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_UPLOAD_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_RETRY,
} from '../../src/oss/index.js';
import { formatDuration, formatSize } from '../../src/cli/format.js';
import { LOCAL_OSS_USAGE } from '../../src/cli/local-oss.js';
import { TAIL_USAGE } from '../../src/cli/tail.js';
import { DEFAULT_CONTENT_TYPE, USAGE } from '../../src/cli/usage.js';

/**
 * Every default a --help states, by command and flag, as the library's constant formatted: the commands state no
 * default of their own (the content type aside, which the library leaves to ali-oss's guess: the command's choice).
 */
const DEFAULTS: Record<string, Record<string, string>> = {
  'heartbeat-put': {
    'content-type': DEFAULT_CONTENT_TYPE,
    'idle-limit': formatDuration(IDLE_LIMITS.oss),
    filler: `'${DEFAULT_FILLER_TEXT}'`,
    'max-upload': formatDuration(DEFAULT_MAX_UPLOAD_MS),
    'flush-interval': formatDuration(DEFAULT_FLUSH_INTERVAL_MS),
    'max-append': formatSize(DEFAULT_MAX_APPEND_BYTES),
    'max-buffered': formatSize(DEFAULT_MAX_BUFFERED_BYTES),
    'retry-for': formatDuration(DEFAULT_RETRY.maxElapsedMs),
  },
  'heartbeat-tail': { 'poll-interval': formatDuration(DEFAULT_POLL_INTERVAL_MS) },
  'heartbeat-local-oss': { 'idle-limit': formatDuration(IDLE_LIMITS.oss) },
};

const HELP: Record<string, string> = { 'heartbeat-put': USAGE, 'heartbeat-tail': TAIL_USAGE, 'heartbeat-local-oss': LOCAL_OSS_USAGE };

/** A flag's help line: `  --name <value>  text`. */
function flagLine(help: string, flag: string): string {
  const line = help.split('\n').find((text) => new RegExp(`^\\s+(?:-\\w, )?--${flag}\\b`).test(text));
  if (line === undefined) throw new Error(`no --${flag} in the help`);
  return line;
}

describe("--help states the library's defaults, formatted from its constants", () => {
  it.each(Object.keys(DEFAULTS))('%s', (command) => {
    const help = HELP[command]!;
    for (const [flag, value] of Object.entries(DEFAULTS[command]!)) {
      const line = flagLine(help, flag);
      expect(line.includes(`(default ${value})`) || line.endsWith(`default: ${value}`), `--${flag}: ${line}`).toBe(true);
    }
  });

  it.each(Object.keys(HELP))('%s states no value for a default that is not in that table', (command) => {
    // "default: env OSS_BUCKET", "(default: half the idle limit)" say where a value comes from; a stated value
    // ("default 8MiB", "default: text/...") must be one of the table's, which the test above ties to the library.
    const stated = [...HELP[command]!.matchAll(/^\s+(?:-\w, )?--([\w-]+).*\bdefault(?::)? (?!env |half |wait |its |a free |generated)([^)]+)\)?$/gm)];
    for (const [, flag] of stated) expect(DEFAULTS[command], `--${flag} states a default`).toHaveProperty([flag!]);
  });
});
