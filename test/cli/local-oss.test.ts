import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { LOCAL_OSS_USAGE, runHeartbeatLocalOss } from '../../src/cli/local-oss.js';
import { runHeartbeatTail } from '../../src/cli/tail.js';
import { muteUrllibWarnings, WAIT } from '../support/local-oss.js';
import { expectUsageError, runCli, runInProcess, runShell, type CliRun, type InProcessRun } from '../support/cli.js';

muteUrllibWarnings();

const VARIABLES = ['OSS_ENDPOINT', 'OSS_BUCKET', 'OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET'];

/** The variables that `lines` export, as a shell that evals them would set them (the generated values need no quotes). */
function exported(lines: string): Record<string, string> {
  return Object.fromEntries([...lines.matchAll(/^export (\w+)=(\S+)$/gm)].map(([, name, value]) => [name!, value!]));
}

/** A port something listens on: `server`, until closed. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

/** Starts heartbeat-local-oss in this process; resolves once it has printed its lines (it listens), with them. */
async function serving(argv: string[], env: Record<string, string> = {}): Promise<{ server: InProcessRun; lines: string }> {
  const stdout = new PassThrough();
  let lines = '';
  stdout.on('data', (chunk: Buffer) => (lines += chunk.toString()));
  const server = runInProcess(argv, env, [], { command: runHeartbeatLocalOss, stdout });
  await vi.waitFor(() => expect(lines.split('\n')).toHaveLength(6), WAIT);
  return { server, lines };
}

describe('heartbeat-local-oss in this process', () => {
  it('prints the variables for a shell, and serves heartbeat-put and heartbeat-tail until SIGINT: then exit 0', async () => {
    const { server, lines: printed } = await serving([]);

    expect(printed).toMatch(
      /^unset OSS_REGION OSS_SESSION_TOKEN ALIBABA_CLOUD_SECURITY_TOKEN\nexport OSS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\nexport OSS_BUCKET=\S+\nexport OSS_ACCESS_KEY_ID=\S+\nexport OSS_ACCESS_KEY_SECRET=\S+\n$/,
    );
    const env = exported(printed);
    expect(Object.keys(env)).toEqual(VARIABLES);

    const put = await runInProcess(['--append', '--flush-interval', '50ms', 'logs/build.log'], env, ['step 1\n', 'step 2\n']).done;
    expect(put.code).toBe(0);
    const tail = await runInProcess(['--poll-interval', '50ms', 'logs/build.log'], env, [], { command: runHeartbeatTail }).done;
    expect({ code: tail.code, stdout: tail.stdout.toString(), stderr: tail.stderr }).toEqual({ code: 0, stdout: 'step 1\nstep 2\n', stderr: '' });

    server.signals.emit('SIGINT');
    const { code, stderr } = await server.done;
    expect(code).toBe(0);
    expect(stderr).toBe(
      `heartbeat-local-oss: local OSS at ${env.OSS_ENDPOINT}, bucket ${env.OSS_BUCKET}, objects in memory. Eval the lines on standard ` +
        'output in another shell to point heartbeat-put and heartbeat-tail at it. Ctrl-C stops it.\n' +
        'heartbeat-local-oss: stopped by SIGINT: it held 1 object (0 PutObjects, 1 append), gone with it\n',
    );
  });

  it('--port, --bucket and the credentials as given; a shell that evals the lines gets them back exactly, quotes and all', async () => {
    // A free port: taken, then let go.
    const { port, server: probe } = await takenPort();
    await new Promise((resolve) => probe.close(resolve));
    const secret = `it's a "secret" with $HOME, \`pwd\` and spaces`;
    const argv = ['--port', String(port), '--bucket', 'my-logs', '--access-key-id', 'local-id', '--access-key-secret', secret, '--idle-limit', '5s'];
    const { server, lines: printed } = await serving(argv);

    const shell = await runShell('eval "$LINES"; printf "%s\\n" "$OSS_ENDPOINT" "$OSS_BUCKET" "$OSS_ACCESS_KEY_ID" "$OSS_ACCESS_KEY_SECRET"', {
      LINES: printed,
      HOME: '/home/someone',
    }).done;
    expect(shell.stdout.toString()).toBe(`http://127.0.0.1:${port}\nmy-logs\nlocal-id\n${secret}\n`);
    server.signals.emit('SIGTERM');
    expect((await server.done).code).toBe(0);
  });

  it('a port in use: exit 1, one line, nothing on standard output', async () => {
    const { port, server: busy } = await takenPort();
    try {
      const { code, stdout, stderr } = await runInProcess(['--port', String(port)], {}, [], { command: runHeartbeatLocalOss }).done;
      expect({ code, stdout: stdout.toString() }).toEqual({ code: 1, stdout: '' });
      expect(stderr).toBe(
        `heartbeat-local-oss: cannot listen at 127.0.0.1:${port}: another process listens there (EADDRINUSE). ` +
          'Choose another --port, or leave it out for a free one.\n',
      );
    } finally {
      busy.close();
    }
  });
});

describe('a usage error exits 2, naming the flag as typed', () => {
  const SECRET = 'top-secret-value-of-30-chars-x';
  const cases: Array<[string, string[], RegExp]> = [
    ['a port that is not a number', ['--port', 'http'], /^heartbeat-local-oss: --port must be a whole number such as 4545, got "http"$/],
    // The range is startLocalOss's: its refusal, with the flag's name.
    ['a port out of range', ['--port', '70000'], /^heartbeat-local-oss: --port must be an integer from 0 to 65535, got 70000$/],
    ['a bucket name OSS refuses', ['--bucket', 'Logs_1'], /^heartbeat-local-oss: --bucket must be .*, got "Logs_1"$/],
    // The library's words (startLocalOss's resolver), with the flag's name.
    ['a zero idle limit', ['--idle-limit', '0'], /^heartbeat-local-oss: --idle-limit must be a positive finite number, got 0$/],
    ['an empty secret', ['--access-key-secret', ''], /^heartbeat-local-oss: --access-key-secret must be a non-empty string, got an empty string$/],
    // It would be printed: never one of the environment's secrets.
    ['the environment\'s secret as its secret', ['--access-key-secret', SECRET],
      /^heartbeat-local-oss: --access-key-secret must not hold a configured secret or token \(are two variables swapped\?\)$/],
    ['an argument', ['logs/build.log'], /^heartbeat-local-oss: heartbeat-local-oss takes no arguments, got "logs\/build\.log"$/],
    ['an unknown option one letter off', ['--prot', '4545'], /^heartbeat-local-oss: unknown option '--prot'; did you mean '--port'\?$/],
  ];

  it.each(cases)('%s', async (_name, argv, message) => {
    const run = runInProcess(argv, { OSS_ACCESS_KEY_SECRET: SECRET }, [], { command: runHeartbeatLocalOss });
    expectUsageError(await run.done, 'heartbeat-local-oss', message, SECRET);
  });

  it('--help prints the usage, exit 0', async () => {
    const { code, stdout } = await runInProcess(['--help'], {}, [], { command: runHeartbeatLocalOss }).done;
    expect(code).toBe(0);
    expect(stdout.toString()).toBe(`${LOCAL_OSS_USAGE}\n`);
  });
});

/** What a real process has printed on standard output so far. */
function printedBy({ child }: CliRun): () => string {
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return () => stdout;
}

describe('heartbeat-local-oss in a real process, with heartbeat-put and heartbeat-tail in a shell that evals its lines', { timeout: 60_000 }, () => {
  it('both sides work with its variables, a stale token and region are unset, and SIGTERM stops it: exit 0', async () => {
    const server = runCli([], {}, [], '$LOCAL_OSS');
    const printed = printedBy(server);
    await vi.waitFor(() => expect(printed().split('\n')).toHaveLength(6), { timeout: 20_000 });

    // A shell left pointing at real OSS: a session token and a region that must not go along.
    const stale = { OSS_SESSION_TOKEN: 'CAIS+StS/ToKeN9q8w7e6r5t4y3u2i1o0p+Aa/Bb=Cc+Dd/Ee==', OSS_REGION: 'oss-cn-hangzhou' };
    const shell = await runShell(
      'eval "$LINES"; echo "token ${OSS_SESSION_TOKEN-unset}, region ${OSS_REGION-unset}"; ' +
        "printf 'step 1\\nstep 2\\n' | $CLI --append --quiet logs/build.log && $TAIL --poll-interval 50ms logs/build.log",
      { LINES: printed(), ...stale },
    ).done;
    expect({ code: shell.code, stderr: shell.stderr }).toEqual({ code: 0, stderr: '' });
    expect(shell.stdout.toString()).toBe('token unset, region unset\nstep 1\nstep 2\n');

    server.child.kill('SIGTERM');
    const { code, stderr } = await server.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/^heartbeat-local-oss: local OSS at http:\/\/127\.0\.0\.1:\d+, bucket \S+, objects in memory\. .*\n/);
    expect(stderr).toMatch(/\nheartbeat-local-oss: stopped by SIGTERM: it held 1 object \(0 PutObjects, 1 append\), gone with it\n$/);
  });
});
