import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/arguments.js';
import { FLAGS, USAGE } from '../../src/cli/usage.js';
import { runInProcess } from '../support/cli.js';

// Credentials of real length (key IDs 24 characters, secrets 30): a shorter one is searched for only as a whole value.
const KEY_ID = 'LTAI5tUsAgEtEsTkEyId0001';
const SECRET = 'top-secret-value-of-30-chars-x';
const FULL = { OSS_ACCESS_KEY_ID: KEY_ID, OSS_ACCESS_KEY_SECRET: SECRET, OSS_BUCKET: 'b-1', OSS_REGION: 'oss-cn-hangzhou' };
const environments = {
  full: FULL,
  'no credentials': { OSS_BUCKET: 'b-1', OSS_REGION: 'oss-cn-hangzhou' },
  'no bucket': { ...FULL, OSS_BUCKET: '' },
  'no endpoint': { ...FULL, OSS_REGION: '' },
};

describe('a usage error exits 2 with one line that says what to fix, and a hint', () => {
  // Each row: arguments, the environment, and what the line must say.
  const cases: Array<[string, string[], keyof typeof environments, RegExp]> = [
    ['no key', [], 'full', /missing <object-key>/],
    ['two keys', ['a', 'b'], 'full', /expected one <object-key>, got 2/],
    // An unknown flag names the nearest one when it is a slip of a character or two away (the flag table in usage.ts).
    ['an unknown option far from every flag', ['--nope', 'k'], 'full', /^heartbeat-put: unknown option '--nope'$/],
    ['an unknown option one letter short', ['--resum', 'k'], 'full', /^heartbeat-put: unknown option '--resum'; did you mean '--resume'\?$/],
    ['an unknown option with two letters swapped', ['--append', '--quite', 'k'], 'full',
      /^heartbeat-put: unknown option '--quite'; did you mean '--quiet'\?$/],
    ['an unknown option with a value', ['--endpont=https://oss.example.com', 'k'], 'full',
      /^heartbeat-put: unknown option '--endpont'; did you mean '--endpoint'\?$/],
    ['an unknown option in capitals', ['--Region', 'oss-cn-hangzhou', 'k'], 'full', /^heartbeat-put: unknown option '--Region'; did you mean '--region'\?$/],
    ['an unknown short option', ['-x', 'k'], 'full', /^heartbeat-put: unknown option '-x'$/],
    ['an unknown option named like an object property', ['--constructor', 'k'], 'full', /^heartbeat-put: unknown option '--constructor'$/],
    ['a key with a leading slash', ['/k'], 'full', /<object-key> must be .* got "\/k"/],
    ['a bad duration', ['--idle-limit', '1x', 'k'], 'full', /--idle-limit must be a positive duration such as 60000, 60s or 1m, got "1x"/],
    // From here on the rules are the library's, in its words, each option named by the flag as typed.
    ['a zero duration', ['--idle-limit', '0', 'k'], 'full', /--idle-limit must be a positive finite number, got 0$/],
    ['an option without its value', ['--max-upload', '-5s', 'k'], 'full', /argument is ambiguous/],
    ['a negative duration', ['--max-upload=-5s', 'k'], 'full', /--max-upload must be a positive finite number, got -5000$/],
    ['an absurd duration', ['--max-upload', '100y', 'k'], 'full', /--max-upload must be at most 2147483647 ms, got 3155760000000$/],
    ['heartbeat after the idle limit', ['--idle-limit', '90s', '--heartbeat-after', '2m', 'k'], 'full',
      /--heartbeat-after must be at most 84704 for --idle-limit 90000 \(the longest gap, ceil\(--heartbeat-after\) \+ ceil\(--heartbeat-after \/ 16\) ms, must stay under --idle-limit\), got 120000$/],
    // 85s + 85s/16 is past 90s: one late heartbeat would come after the server's limit.
    ['heartbeat so close to the idle limit that a late one misses it', ['--idle-limit', '90s', '--heartbeat-after', '85s', 'k'], 'full',
      /--heartbeat-after must be at most 84704 .* got 85000$/],
    ['an idle limit no heartbeat fits in', ['--idle-limit', '2', 'k'], 'full', /--idle-limit must be more than 2 \(.*\), got 2$/],
    ['an empty filler', ['--filler', '', 'k'], 'full', /--filler must not be empty/],
    ['a valid bucket name holding the secret', ['--bucket', `b-${SECRET}`, 'k'], 'full',
      /^heartbeat-put: --bucket must not hold a configured secret or token \(are two variables swapped\?\)$/],
    // What createOssClient still refuses is a usage error too, though it checks the access key ID as well.
    ['a bucket name holding the access key ID', ['--bucket', `logs-${KEY_ID.toLowerCase()}`, 'k'], 'full', /bucket must not hold a credential/],
    ['missing credentials', ['k'], 'no credentials', /missing credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/],
    ['a missing bucket', ['k'], 'no bucket', /missing bucket: pass --bucket or set OSS_BUCKET/],
    ['a missing endpoint', ['k'], 'no endpoint', /missing endpoint: pass --endpoint or --region/],
    // Flags of one mode given in the other: both flags named.
    ['--resume without --append', ['--resume', 'k'], 'full', /^heartbeat-put: --resume works only with --append$/],
    ['--flush-interval without --append', ['--flush-interval', '2s', 'k'], 'full', /^heartbeat-put: --flush-interval works only with --append$/],
    ['--max-append without --append', ['--max-append', '1MiB', 'k'], 'full', /--max-append works only with --append/],
    ['--max-buffered without --append', ['--max-buffered', '8MiB', 'k'], 'full', /--max-buffered works only with --append/],
    ['--retry-for without --append', ['--retry-for', '1h', 'k'], 'full', /--retry-for works only with --append/],
    ['--filler with --append', ['--append', '--filler', '.', 'k'], 'full',
      /^heartbeat-put: --filler does not work with --append, which sends no heartbeats and no long request$/],
    ['--heartbeat-after with --append', ['--heartbeat-after', '20s', '--append', 'k'], 'full', /--heartbeat-after does not work with --append/],
    ['--idle-limit with --append', ['--append', '--idle-limit=90s', 'k'], 'full', /--idle-limit does not work with --append/],
    ['--max-upload with --append', ['--append', '--max-upload', '3h', 'k'], 'full', /--max-upload does not work with --append/],
    ['--max-buffered below --max-append', ['--append', '--max-append', '4MiB', '--max-buffered', '2MiB', 'k'], 'full',
      /^heartbeat-put: --max-buffered must be an integer of at least 4194304, got 2097152$/],
  ];

  it.each(cases)('%s', async (_name, argv, env, message) => {
    const { code, stderr, stdout } = await runInProcess(argv, environments[env]).done;
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^heartbeat-put: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe("Try 'heartbeat-put --help' for usage.");
    expect(stdout.length).toBe(0);
  });
});

describe('--heartbeat-after and --idle-limit', () => {
  it('accept the largest heartbeat delay the core accepts, and default to half the limit', () => {
    expect(parseCommand(['--heartbeat-after', '56469', '--local', 'k'], {})).toMatchObject({ heartbeat: { idleLimitMs: 60_000, heartbeatAfterMs: 56_469 } });
    expect(parseCommand(['--idle-limit', '10s', '--local', 'k'], {})).toMatchObject({ heartbeat: { idleLimitMs: 10_000, heartbeatAfterMs: 5_000 } });
  });
});

describe('--append and its flags', () => {
  const parsed = (...argv: string[]) => parseCommand([...argv, '--local', 'k'], {});

  it("default to appendStream's defaults; --retry-for is the one retry limit", () => {
    expect(parsed('--append')).toMatchObject({
      append: {
        resolved: { resume: false, flushIntervalMs: 1_000, maxAppendBytes: 2 ** 20, maxBufferedBytes: 8 * 2 ** 20, retry: { attempts: Infinity, maxElapsedMs: 600_000 } },
      },
    });
    expect(parsed('--append', '--resume', '--flush-interval', '250ms', '--retry-for', '1h')).toMatchObject({
      append: { resolved: { resume: true, flushIntervalMs: 250, retry: { maxElapsedMs: 3_600_000 } } },
    });
    expect(parsed()).toMatchObject({ append: undefined });
  });

  it.each([
    ['1048576', 1_048_576],
    ['512KiB', 524_288],
    ['1.5MiB', 1_572_864],
    ['2GiB', 2 * 2 ** 30],
    ['100B', 100],
  ])('take sizes in bytes or binary units: %s', (text, bytes) => {
    expect(parsed('--append', '--max-append', text, '--max-buffered', '4GiB')).toMatchObject({ append: { resolved: { maxAppendBytes: bytes } } });
  });

  it('--max-buffered defaults to --max-append when that is larger than 8MiB, as appendStream does', () => {
    expect(parsed('--append', '--max-append', '16MiB')).toMatchObject({
      append: { resolved: { maxAppendBytes: 16 * 2 ** 20, maxBufferedBytes: 16 * 2 ** 20 } },
    });
  });
});

describe('an object key the service would normalise after signing is refused up front', () => {
  // OSS resolves "." and ".." segments after checking the signature: such a key can only fail, as SignatureDoesNotMatch.
  it.each(['logs/../build.log', 'logs/./build.log', '../build.log', 'logs/..'])('%s: exit 2, and the rule says why', async (key) => {
    const { code, stderr } = await runInProcess([key], FULL).done;
    expect(code).toBe(2);
    const [rule, shown] = stderr.split('\n')[0]!.split(', got ');
    expect(rule).toMatch(/^heartbeat-put: <object-key> must .*\.\./);
    expect(shown).toBe(JSON.stringify(key));
  });
});

describe('--help and --version', () => {
  it('--help prints the usage on standard output, exit 0', async () => {
    const { code, stdout, stderr } = await runInProcess(['--help'], {}).done;
    expect(code).toBe(0);
    expect(stdout.toString()).toBe(`${USAGE}\n`);
    expect(stdout.toString()).toMatch(/^Usage: heartbeat-put \[options\] <object-key>/);
    expect(stderr).toBe('');
  });

  it('lists every flag the command takes, and mentions no other', () => {
    const mentioned = new Set(USAGE.match(/--[a-z][a-z-]*/g));
    expect([...mentioned].sort()).toEqual(FLAGS.map(({ name }) => `--${name}`).sort());
  });

  it("-v prints the package's version, exit 0", async () => {
    const { code, stdout } = await runInProcess(['-v'], {}).done;
    expect(code).toBe(0);
    expect(stdout.toString()).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
