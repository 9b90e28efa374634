import { Writable } from 'node:stream';
import OSS from 'ali-oss';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { secretsOf } from '../../src/cli/secrets.js';
import { createOssClient } from '../../src/oss/index.js';
import { startLocalOss } from '../../src/testing/index.js';
import { muteUrllibWarnings } from '../support/local-oss.js';
import { bodyStarted, refusingEndpoint, runCli, runInProcess, type Input, type Printed } from '../support/cli.js';

/*
 * No value equal to, or holding, a configured secret or token is ever printed, in any case, on any path.
 * Secrets: OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN and their ALIBABA_CLOUD_* twins, set or not used. Every
 * row plants them in every variable the command reads, then puts one (or its lower or upper case) in a
 * variable or flag too, and drives one error path. Access key IDs are not secrets: ali-oss's debug output
 * (DEBUG=ali-oss) shows them in its signed headers. The values have real lengths: secrets 30 characters,
 * key IDs 24, tokens more; a credential shorter than 16 characters is searched for only as a whole value
 * (src/oss/credentials.ts), which the last tables check.
 */
const SECRET = 'Zq9SeCrEt7Xw2Kp4Lm8Nb6Vc5Hj3Tr';
const TOKEN = 'CAIS+StS/ToKeN9q8w7e6r5t4y3u2i1o0p+Aa/Bb=Cc+Dd/Ee==';
const ALT_SECRET = 'AlTsEcReT5Mn3Bv1Qw7Er2Ty9Ui4Op';
const ALT_TOKEN = 'CAIS+AlT/sTs+ToKeN6Yu2Io3Pa4Sd5Fg6Hj7Kl8Zx9Cv0Bn/Mm==';
const KEY_ID = 'LTAI5tKeYiDnOtShOwN4x2Qp';
const WRONG_SECRET = 'Wr0ngSeCrEt8Hj6xZc1Vb5Nm3As7Df';

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

/** What must never show, compared without case: each secret, as given and percent-encoded, by name. */
const NEVER_SHOWN = Object.entries({ SECRET, TOKEN, ALT_SECRET, ALT_TOKEN, WRONG_SECRET }).flatMap(([name, value]) => [
  { name, value },
  { name: `${name} percent-encoded`, value: encodeURIComponent(value) },
]);

/** The names of the secrets `text` shows: a failing test names them, and prints no secret either. */
function secretsShownIn(text: string): string[] {
  const lowered = text.toLowerCase();
  return NEVER_SHOWN.filter(({ value }) => lowered.includes(value.toLowerCase())).map(({ name }) => name);
}

function expectNoSecret({ stdout, stderr }: Printed): void {
  expect(secretsShownIn(`${stdout.toString()}\n${stderr}`)).toEqual([]);
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
  { what: '--endpoint with the secret, lowercased, as its host (a valid endpoint)', argv: ['--endpoint', `https://${lower}.example.com`, 'k'],
    code: 2 },
  { what: '--endpoint with the token percent-encoded in its query', argv: ['--endpoint', `https://oss.example.com/?t=${encodeURIComponent(TOKEN)}`, 'k'],
    code: 2 },
  { what: '--bucket the secret, lowercased (a valid bucket name)', argv: ['--bucket', lower, 'k'], code: 2 },
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

/** `text` with each secret it shows, in any case, named instead (`<SECRET>`): what a failing assertion may print. */
function named(text: string): string {
  let shown = text;
  for (const { name, value } of NEVER_SHOWN) {
    for (let at = shown.toLowerCase().indexOf(value.toLowerCase()); at !== -1; at = shown.toLowerCase().indexOf(value.toLowerCase())) {
      shown = `${shown.slice(0, at)}<${name}>${shown.slice(at + value.length)}`;
    }
  }
  return shown;
}

describe('redaction', () => {
  const { redact } = secretsOf(PLANTED);

  it('masks a secret inside a longer value and in any case: ali-oss lowercases the bucket in a host name', () => {
    expect(named(redact(`getaddrinfo ENOTFOUND b-${lower}.oss-cn-hangzhou.aliyuncs.com`))).toBe(
      'getaddrinfo ENOTFOUND b-***.oss-cn-hangzhou.aliyuncs.com',
    );
    expect(named(redact(`x${SECRET.toUpperCase()}y ${TOKEN} ${encodeURIComponent(ALT_TOKEN)}`))).toBe('x***y *** ***');
  });

  it('leaves the access key ID: it names a key and grants nothing', () => {
    expect(redact(`key ${KEY_ID}`)).toBe(`key ${KEY_ID}`);
  });
});

/*
 * The rule, as src/oss/credentials.ts defines it for createOssClient and the command alike: a secret of 16
 * characters or more is found anywhere, in any case, as given or percent-encoded; a shorter one (a test
 * value: Alibaba Cloud's are 24 to hundreds) only as the whole value.
 */
describe('a short test secret is neither refused nor masked inside a value; one of real length is', () => {
  it.each([
    ['a 4-character secret inside a key', 'test', 'uploaded test/latest.log', 'uploaded test/latest.log'],
    ['a 15-character secret inside a key', 'fifteen-chars-x', 'logs/fifteen-chars-x.log', 'logs/fifteen-chars-x.log'],
    ['a 16-character secret inside a key', 'sixteen-chars-xy', 'logs/sixteen-chars-xy.log', 'logs/***.log'],
    ['a 4-character secret as the whole value', 'test', 'TEST', '***'],
    ['a 30-character secret, percent-encoded, in a URL', `${SECRET}/+`, `/?t=${encodeURIComponent(`${SECRET}/+`)}`, '/?t=***'],
  ])('%s', (_what, secret, text, shown) => {
    const secrets = secretsOf({ OSS_ACCESS_KEY_SECRET: secret });
    expect(named(secrets.redact(text))).toBe(shown);
    expect(secrets.isIn(text)).toBe(shown !== text);
  });
});

describe("test credentials from the issue's reports: stored, and the key printed as given", () => {
  // Each row: a local setup whose credentials ordinary names contain.
  it.each<{ what: string; id: string; secret: string; bucket: string; key: string; env: Record<string, string> }>([
    { what: "LocalStack's test/test, bucket test-logs", id: 'test', secret: 'test', bucket: 'test-logs', key: 'test/latest.log', env: {} },
    { what: 'id/sk, bucket logs-sk', id: 'id', secret: 'sk', bucket: 'logs-sk', key: 'sk/logs-sk.log', env: {} },
    { what: 'key ID cn, region oss-cn-hangzhou', id: 'cn', secret: 'cn-secret', bucket: 'cn-logs', key: 'cn/build.log',
      env: { OSS_REGION: 'oss-cn-hangzhou' } },
  ])('$what', async ({ id, secret, bucket, key, env }) => {
    const local = await startLocalOss({ accessKeyId: id, accessKeySecret: secret, bucket });
    try {
      const variables = { OSS_ACCESS_KEY_ID: id, OSS_ACCESS_KEY_SECRET: secret, OSS_BUCKET: bucket, OSS_ENDPOINT: local.endpoint, ...env };
      const { code, stderr } = await runInProcess([key], variables, ['log\n']).done;
      expect(stderr.startsWith(`heartbeat-put: uploaded ${key}: 4 bytes, 0 heartbeats`), stderr).toBe(true);
      expect(code).toBe(0);
      expect(local.getObject(key)?.toString()).toBe('log\n');
    } finally {
      await local.close();
    }
  });

  it('key ID local, endpoint http://localhost:4566: no usage error, the upload is tried', async () => {
    const variables = { OSS_ACCESS_KEY_ID: 'local', OSS_ACCESS_KEY_SECRET: 'local-secret', OSS_BUCKET: 'logs', OSS_ENDPOINT: 'http://localhost:4566' };
    const { code, stderr } = await runInProcess(['k.log'], variables, ['log\n']).done;
    // Whatever answers there, or nothing: the line says the upload failed, not that a value holds a credential.
    expect(stderr).toMatch(/^heartbeat-put: upload of k\.log failed \(/);
    expect(code).toBe(1);
  });

  it('a key holding a secret of real length is stored as given and printed masked', async () => {
    const local = await startLocalOss({ accessKeyId: KEY_ID, accessKeySecret: SECRET });
    try {
      const { code, stderr } = await runInProcess([`logs/${SECRET}.log`], { ...PLANTED, OSS_ENDPOINT: local.endpoint, OSS_BUCKET: local.bucket }, ['log\n']).done;
      expect(named(stderr)).toMatch(/^heartbeat-put: uploaded logs\/\*\*\*\.log: 4 bytes/);
      expect(code).toBe(0);
      expect(local.getObject(`logs/${SECRET}.log`)?.toString()).toBe('log\n');
    } finally {
      await local.close();
    }
  });
});

describe('the command refuses a value by the rule createOssClient refuses it by', () => {
  // Each row: a secret, and a bucket name; the command and the library must agree on whether it holds the secret.
  it.each([
    ['a 4-character secret in a bucket name', 'test', 'test-logs', false],
    ['a 2-character secret in a bucket name', 'sk', 'logs-sk', false],
    ['a 4-character secret as the bucket name', 'test', 'test', true],
    ['a 15-character secret in a bucket name', 'fifteen-chars-x', 'logs-fifteen-chars-x', false],
    ['a 16-character secret in a bucket name', 'sixteen-chars-xy', 'logs-sixteen-chars-xy', true],
    ['a 30-character secret, lowercased, in a bucket name', SECRET, `b-${lower}`, true],
  ])('%s', async (_what, secret, bucket, holds) => {
    const credentials = { accessKeyId: 'LTAI-for-tests', accessKeySecret: secret };
    let refusal = 'none';
    try {
      createOssClient({ ...credentials, bucket, endpoint: refused });
    } catch (error) {
      refusal = named((error as Error).message);
    }
    expect(refusal).toBe(holds ? 'bucket must not hold a credential (are two variables swapped?), got a value that contains a credential' : 'none');
    // The command, at a port that refuses: a usage error if it refuses the value, else a failed upload.
    const env = { OSS_ACCESS_KEY_ID: credentials.accessKeyId, OSS_ACCESS_KEY_SECRET: secret, OSS_BUCKET: bucket, OSS_ENDPOINT: refused };
    const { code, stderr } = await runInProcess(['k'], env).done;
    const line = named(stderr.split('\n')[0]!);
    if (holds) expect(line).toBe('heartbeat-put: OSS_BUCKET must not hold a configured secret or token (are two variables swapped?)');
    else expect(line).toMatch(/^heartbeat-put: upload of k failed \(/);
    expect(code).toBe(holds ? 2 : 1);
  });
});
