import { Writable } from 'node:stream';
import OSS from 'ali-oss';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { secretsOf } from '../../src/cli/secrets.js';
import { startLocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings } from '../oss/helpers.js';
import { bodyStarted, refusingEndpoint, runCli, runInProcess, type Input, type Printed } from './helpers.js';

/*
 * No value equal to, or holding, a configured secret or token is ever printed, in any case, on any path.
 * Secrets: OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN and their ALIBABA_CLOUD_* twins, set or not used. Every
 * row plants them in every variable the command reads, then puts one (or its lower or upper case) in a
 * variable or flag too, and drives one error path. Access key IDs are not secrets: ali-oss's debug output
 * (DEBUG=ali-oss) shows them in its signed headers.
 */
const SECRET = 'Zq9SeCrEt7Xw2Kp4';
const TOKEN = 'StS+ToKeN/9q8w7e==';
const ALT_SECRET = 'AlTsEcReT5Mn3Bv1';
const ALT_TOKEN = 'AlT+sTs/ToKeN6Yu2=';
const KEY_ID = 'LTAI5tKeYiDnOtShOwN';
const WRONG_SECRET = 'Wr0ngSeCrEt8Hj6x';

const PLANTED = {
  OSS_ACCESS_KEY_ID: KEY_ID,
  OSS_ACCESS_KEY_SECRET: SECRET,
  OSS_SESSION_TOKEN: TOKEN,
  ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ALT_SECRET,
  ALIBABA_CLOUD_SECURITY_TOKEN: ALT_TOKEN,
  OSS_BUCKET: 'builds',
  OSS_REGION: 'oss-cn-hangzhou',
};

/** What must never show, compared without case: each secret, as given and percent-encoded. */
const NEVER_SHOWN = [SECRET, TOKEN, ALT_SECRET, ALT_TOKEN, WRONG_SECRET].flatMap((value) => [value, encodeURIComponent(value)]);

function expectNoSecret({ stdout, stderr }: Printed): void {
  const printed = `${stdout.toString()}\n${stderr}`.toLowerCase();
  for (const secret of NEVER_SHOWN) expect(printed).not.toContain(secret.toLowerCase());
}

let refused: string;
beforeAll(async () => {
  refused = await refusingEndpoint();
});
muteUrllibWarnings();

interface Row {
  what: string;
  argv: string[];
  env?: Record<string, string>;
  /** Where the upload goes: a local server that knows SECRET (and TOKEN), or a port that refuses. */
  target?: 'local' | 'refused';
  /** Real process: the command's own guards (library output on stderr, DEBUG, signals) take part. */
  real?: boolean;
  /** Interrupt with SIGINT once the body has started, or the first append landed. */
  interrupt?: boolean;
  /** The object exists already. */
  existing?: boolean;
  code: number;
}

const lower = SECRET.toLowerCase();

const rows: Row[] = [
  // Usage errors: a secret in the value of every variable and flag.
  { what: 'OSS_ENDPOINT with the secret as its password', argv: ['k'], env: { OSS_ENDPOINT: `https://id:${SECRET}@oss.example.com` }, code: 2 },
  { what: 'OSS_ENDPOINT with the token in its query', argv: ['k'], env: { OSS_ENDPOINT: `https://oss.example.com/?security-token=${TOKEN}` }, code: 2 },
  // A region of letters and digits is valid: it would be looked up as a host (the redaction test covers that).
  { what: 'OSS_REGION holding the token (variables swapped)', argv: ['k'], env: { OSS_REGION: TOKEN }, code: 2 },
  { what: 'OSS_REGION holding a secret that is not configured (variables swapped)', argv: ['k'],
    env: { OSS_REGION: 'key ' + ALT_SECRET, ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' }, code: 2 },
  { what: 'OSS_BUCKET holding the token', argv: ['k'], env: { OSS_BUCKET: TOKEN }, code: 2 },
  // Valid names that hold a secret are refused too: ali-oss would put them in host names (DNS, error messages).
  { what: 'OSS_BUCKET holding the secret, lowercased (a valid bucket name)', argv: ['k'], env: { OSS_BUCKET: `b-${lower}` }, code: 2 },
  { what: '--region holding the secret (a valid region id)', argv: ['--region', SECRET, 'k'], code: 2 },
  { what: '--content-type holding the token', argv: ['--content-type', `text/plain; token=${TOKEN}`, 'k'], code: 2 },
  { what: 'OSS_BUCKET holding the access key ID, lowercased (refused by createOssClient)', argv: ['k'],
    env: { OSS_BUCKET: KEY_ID.toLowerCase() }, code: 2 },
  { what: '--endpoint with the secret as its password', argv: ['--endpoint', `https://id:${SECRET}@oss.example.com`, 'k'], code: 2 },
  { what: '--endpoint with the secret, lowercased, in its path', argv: ['--endpoint', `https://oss.example.com/${lower}`, 'k'], code: 2 },
  { what: '--region holding the secret', argv: ['--region', `${SECRET}.`, 'k'], code: 2 },
  { what: '--bucket holding the secret, uppercased', argv: ['--bucket', SECRET.toUpperCase(), 'k'], code: 2 },
  { what: '<object-key> holding the token and a newline', argv: [`logs/${TOKEN}\n.log`], code: 2 },
  { what: '<object-key> of 2000 characters with the token at its start (shown cut)', argv: [`${TOKEN}\n${'x'.repeat(2000)}`], code: 2 },
  { what: '--idle-limit holding the secret', argv: ['--idle-limit', SECRET, 'k'], code: 2 },
  { what: '--heartbeat-after holding the token', argv: ['--heartbeat-after', TOKEN, 'k'], code: 2 },
  { what: '--max-upload holding the secret, lowercased', argv: ['--max-upload', `${lower}s`, 'k'], code: 2 },
  { what: '--filler holding the secret and a lone surrogate', argv: ['--filler', `${SECRET}\uD800`, 'k'], code: 2 },
  { what: '--content-type holding the token and a newline', argv: ['--content-type', `text/plain\n${TOKEN}`, 'k'], code: 2 },
  { what: 'an unknown option holding the secret', argv: [`--endpont=https://id:${SECRET}@oss.example.com`, 'k'], code: 2 },
  { what: 'an option without its value, the next argument the token', argv: ['k', '--idle-limit', `-${TOKEN}`], code: 2 },
  { what: 'two keys, both secrets', argv: [SECRET, TOKEN], code: 2 },
  { what: '--max-append holding the secret', argv: ['--append', '--max-append', SECRET, 'k'], code: 2 },
  { what: '--max-buffered holding the token', argv: ['--append', '--max-buffered', TOKEN, 'k'], code: 2 },
  { what: '--flush-interval holding the secret, lowercased', argv: ['--append', '--flush-interval', `${lower}ms`, 'k'], code: 2 },
  { what: '--retry-for holding the token', argv: ['--append', '--retry-for', TOKEN, 'k'], code: 2 },
  { what: '--resume without --append, the secret in the key', argv: ['--resume', `logs/${SECRET}.log`], code: 2 },
  // Missing pieces, with every secret planted.
  { what: 'no key', argv: [], code: 2 },
  { what: 'no bucket', argv: ['k'], env: { OSS_BUCKET: '' }, code: 2 },
  { what: 'no endpoint', argv: ['k'], env: { OSS_REGION: '' }, code: 2 },
  { what: 'no access key ID (the secrets set)', argv: ['k'], env: { OSS_ACCESS_KEY_ID: '', ALIBABA_CLOUD_ACCESS_KEY_ID: '' }, code: 2 },
  // Failures. ali-oss puts the bucket (lowercased by the host rules) and the key in its URLs and messages.
  { what: 'a refused connection, the secret in the key', argv: [`logs/${SECRET}.log`], target: 'refused', code: 1 },
  { what: 'a refused connection, with DEBUG=1 (a stack with the URL)', argv: [`logs/${SECRET}.log`], target: 'refused', real: true,
    env: { DEBUG: '1' }, code: 1 },
  { what: 'a rejected signature (a wrong secret), the token in the key', argv: [`logs/${TOKEN}.log`], target: 'local',
    env: { OSS_ACCESS_KEY_SECRET: WRONG_SECRET }, code: 1 },
  { what: 'a rejected signature, with DEBUG=1 (a stack, urllib warnings)', argv: ['k.log'], target: 'local', real: true,
    env: { OSS_ACCESS_KEY_SECRET: WRONG_SECRET, DEBUG: '1' }, code: 1 },
  { what: "a rejected signature, with DEBUG=* (ali-oss's debug output shows the signed token)", argv: ['k.log'], target: 'local',
    real: true, env: { OSS_ACCESS_KEY_SECRET: WRONG_SECRET, DEBUG: '*' }, code: 1 },
  { what: 'an append refused by a wrong secret, the token in the key', argv: ['--append', `logs/${TOKEN}.log`], target: 'local',
    env: { OSS_ACCESS_KEY_SECRET: WRONG_SECRET }, code: 1 },
  { what: 'an append refused by a wrong secret, with DEBUG=* in the real command', argv: ['--append', 'k.log'], target: 'local', real: true,
    env: { OSS_ACCESS_KEY_SECRET: WRONG_SECRET, DEBUG: '*' }, code: 1 },
  { what: 'appends giving up on a refused connection, the secret in the key', argv: ['--append', '--retry-for', '300ms', `logs/${SECRET}.log`],
    target: 'refused', code: 1 },
  { what: 'an existing object, the secret in the key', argv: ['--append', `logs/${SECRET}.log`], target: 'local', existing: true, code: 1 },
  // Interrupted.
  { what: 'SIGINT mid-upload, the secret in the key', argv: [`logs/${SECRET}.log`], target: 'local', interrupt: true, code: 130 },
  { what: 'SIGINT mid-upload in the real command, the token in the key', argv: [`logs/${TOKEN}.log`], target: 'local', interrupt: true,
    real: true, code: 130 },
  { what: 'SIGINT mid-append, the secret in the key', argv: ['--append', `logs/${SECRET}.log`], target: 'local', interrupt: true, code: 130 },
  { what: 'SIGINT mid-append in the real command, the token in the key', argv: ['--append', '--flush-interval', '100ms', `logs/${TOKEN}.log`],
    target: 'local', interrupt: true, real: true, code: 130 },
];

// Side by side: every row has a server of its own, and most of a row is waiting on a server, a signal or a process.
describe.concurrent('no configured secret or token is ever printed, whatever the path', () => {
  it.each(rows.map((row) => [row.what, row] as const))('%s', async (_what, row) => {
    const local = row.target === 'local' ? await startLocalOss({ accessKeyId: KEY_ID, accessKeySecret: SECRET }) : undefined;
    try {
      const target =
        row.target === 'local'
          ? { OSS_ENDPOINT: local!.endpoint, OSS_BUCKET: local!.bucket, OSS_REGION: '' }
          : row.target === 'refused' && { OSS_ENDPOINT: refused, OSS_REGION: '' };
      const env: Record<string, string> = { ...PLANTED, ...target, ...row.env };
      const input: Input = row.interrupt ? ['partial\n', 30_000] : ['log\n'];
      const run = row.real ? runCli(row.argv, env, input) : runInProcess(row.argv, env, input);
      if (row.existing) await new OSS(local!.clientOptions()).append(row.argv.at(-1)!, Buffer.from('earlier\n'));
      if (row.interrupt) {
        if (row.argv.includes('--append')) await vi.waitFor(() => expect(local!.stats().appends).toBeGreaterThan(0), { timeout: 20_000 });
        else await bodyStarted(local!)();
        if ('child' in run) run.child.kill('SIGINT');
        else run.signals.emit('SIGINT');
      }
      const printed: Printed & { code: number | null } = await run.done;

      expect(printed.code).toBe(row.code);
      expectNoSecret(printed);
      // One line says what failed (a usage error adds its hint): no library's advice or warning besides.
      if (!env.DEBUG) expect(printed.stderr.trimEnd().split('\n')).toHaveLength(row.code === 2 ? 2 : 1);
    } finally {
      await local?.close();
    }
  });
});

describe('an unexpected error', () => {
  it('is one masked line and exit 1, not a stack trace: here standard output throws', async () => {
    const stdout = new Writable({
      write() {
        throw new Error(`cannot write for ${SECRET}\n    at somewhere`);
      },
    });
    const printed = await runInProcess(['--help'], PLANTED, [], { stdout }).done;
    expect(printed.code).toBe(1);
    expect(printed.stderr).toBe('heartbeat-put: internal error: cannot write for ***\n');
  });
});

describe('redaction', () => {
  const { redact } = secretsOf(PLANTED);

  it('masks a secret inside a longer value and in any case: ali-oss lowercases the bucket in a host name', () => {
    expect(redact(`getaddrinfo ENOTFOUND b-${lower}.oss-cn-hangzhou.aliyuncs.com`)).toBe(
      'getaddrinfo ENOTFOUND b-***.oss-cn-hangzhou.aliyuncs.com',
    );
    expect(redact(`x${SECRET.toUpperCase()}y ${TOKEN} ${encodeURIComponent(ALT_TOKEN)}`)).toBe('x***y *** ***');
  });

  it('leaves the access key ID: it names a key and grants nothing', () => {
    expect(redact(`key ${KEY_ID}`)).toBe(`key ${KEY_ID}`);
  });
});
