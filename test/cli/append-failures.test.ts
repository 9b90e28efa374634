import OSS from 'ali-oss';
import { describe, expect, it } from 'vitest';
import { muteUrllibWarnings, useLocalOss } from '../support/local-oss.js';
import { holds, ossEnv, runInProcess } from '../support/cli.js';

muteUrllibWarnings();
const oss = useLocalOss();
const FLUSH = ['--flush-interval', '100ms'];
const STACK_LINE = /^\s+at /m;

/** The one line a failed --append run prints: the kind, the advice, and what is stored. */
function failureLine(key: string, kind: string): RegExp {
  return new RegExp(`^heartbeat-put: append to ${key.replaceAll('.', '\\.')} failed \\(${kind}\\): [^\\n]* So far, [^\\n]*\\.\\n$`);
}

describe('a failed --append run exits 1 with one line: what failed, the flag to change, and what is stored', () => {
  it('an existing object: object-exists, naming --resume, and the object is left as it was', async () => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).append('k.log', Buffer.from('earlier run\n'));
    const { code, stderr } = await runInProcess(['--append', 'k.log'], ossEnv(local), ['new run\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(failureLine('k.log', 'object-exists'));
    expect(stderr).toContain('k.log already exists (Appendable, 12 bytes), and --append does not overwrite it. Pass --resume to continue it');
    // Input read while the object was looked up is not in it: said when there was some.
    expect(stderr).toMatch(/ So far, k\.log holds 12 bytes, none from this run(; 8 bytes read from the input are not in it)?\.\n$/);
    expect(local.getObject('k.log')?.toString()).toBe('earlier run\n');
  });

  it('--resume of an object PutObject stored: not-appendable', async () => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).put('k.log', Buffer.from('uploaded whole\n'));
    const { code, stderr } = await runInProcess(['--append', '--resume', 'k.log'], ossEnv(local), ['more\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(failureLine('k.log', 'not-appendable'));
    expect(stderr).toContain('k.log is a Normal object');
    expect(local.getObject('k.log')?.toString()).toBe('uploaded whole\n');
  });

  it('OSS failing longer than --retry-for: append-gave-up, naming --retry-for and --resume, and what is stored', async () => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', ...FLUSH, '--retry-for', '600ms', 'k.log'], ossEnv(local), [
      'line 1\n',
      holds(local, 'k.log', 'line 1\n'),
      () => Promise.resolve(local.faults.inject({ kind: 'service-unavailable', count: 1_000, match: { operation: 'AppendObject' } })),
      'line 2\n',
    ]).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(failureLine('k.log', 'append-gave-up'));
    expect(stderr).toMatch(/the last: ServiceUnavailableError ServiceUnavailable HTTP 503\), past --retry-for \(now 600ms\)\. Raise --retry-for/);
    // A 503 is an unknown outcome; one last HEAD before giving up shows the append did not land.
    expect(stderr).toContain('So far, k.log holds 7 bytes; 7 bytes read from the input are not in it.');
    expect(local.getObject('k.log')?.toString()).toBe('line 1\n');
  });

  it('a rejected signature: append-refused, and nothing stored', async () => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', 'k.log'], ossEnv(local, { OSS_ACCESS_KEY_SECRET: 'wrong' }), ['x\n']).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(failureLine('k.log', 'append-refused'));
    expect(stderr).toContain('(SignatureDoesNotMatchError SignatureDoesNotMatch HTTP 403), and retrying cannot help');
    // The HEAD was refused: nothing of this run's is stored, and OSS never said how long the object is.
    expect(stderr).toMatch(/ So far, nothing from this run is stored in k\.log, whose length OSS never gave(; 2 bytes read from the input are not in it)?\.\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('another writer appends meanwhile: append-conflict, naming both lengths', async () => {
    const local = await oss.start();
    const { code, stderr } = await runInProcess(['--append', ...FLUSH, 'k.log'], ossEnv(local), [
      'mine 1\n',
      holds(local, 'k.log', 'mine 1\n'),
      () => new OSS(local.clientOptions()).append('k.log', Buffer.from('theirs\n\n'), { position: '7' }),
      'mine 2\n',
    ]).done;

    expect(code).toBe(1);
    expect(stderr).toMatch(failureLine('k.log', 'append-conflict'));
    expect(stderr).toContain('another writer changed k.log: this run expected 14 bytes, and found 15. Give each build a key of its own');
    // The length OSS reported, not the one this run last knew.
    expect(stderr).toContain("So far, k.log holds 15 bytes, 7 of them from this run; whether this run's last append (7 bytes) is among them is unknown.");
    expect(local.getObject('k.log')?.toString()).toBe('mine 1\ntheirs\n\n');
  });

  it.each([
    ['a length it does not have', '6', 1, 'resume-mismatch'],
    ['its length', '12', 0, undefined],
  ] as const)('--resume-at %s: %s', async (_case, at, status, kind) => {
    const local = await oss.start();
    await new OSS(local.clientOptions()).append('k.log', Buffer.from('earlier run\n'));
    const { code, stderr } = await runInProcess(['--append', '--resume-at', at, 'k.log'], ossEnv(local), ['new run\n']).done;

    expect(code).toBe(status);
    if (kind === undefined) {
      expect(local.getObject('k.log')?.toString()).toBe('earlier run\nnew run\n');
      return;
    }
    expect(stderr).toMatch(failureLine('k.log', kind));
    expect(stderr).toContain('k.log is 12 bytes long, not 6 as --resume-at says: nothing was appended');
    expect(local.getObject('k.log')?.toString()).toBe('earlier run\n');
  });

  it('standard input fails: source-error, after everything read before it was appended', async () => {
    const local = await oss.start();
    const run = runInProcess(['--append', ...FLUSH, 'k.log'], ossEnv(local), ['line 1\n', 30_000]);
    await holds(local, 'k.log', 'line 1\n')();
    run.stdin.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    const { code, stderr } = await run.done;

    expect(code).toBe(1);
    expect(stderr).toBe(
      'heartbeat-put: append to k.log failed (source-error): reading standard input failed (EIO: i/o error, read); ' +
        'everything read before it was appended. Look at what feeds heartbeat-put. So far, k.log holds 7 bytes.\n',
    );
  });
});
