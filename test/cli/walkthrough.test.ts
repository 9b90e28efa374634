import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runShell } from '../support/cli.js';

/*
 * The README's two-terminal walkthrough with heartbeat-local-oss, run verbatim (readme.test.ts checks that each of
 * its lines is in this file): the three commands on PATH (from source), a stand-in `make`, each terminal a shell
 * of its own in one folder, with nothing of OSS in its environment.
 */
const TERMINAL_1 = 'heartbeat-local-oss > local-oss.env';
const TERMINAL_2 = ['eval "$(cat local-oss.env)"', 'make 2>&1 | heartbeat-put --append logs/build.log &', 'heartbeat-tail logs/build.log'];

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = ['[1/3] compile', '[2/3] test: 87 passed', '[3/3] link'];

const folder = mkdtempSync(join(tmpdir(), 'walkthrough-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A folder of executables: the package's commands run from source, and a build whose steps take a moment each. */
function binaries(): string {
  const bin = join(folder, 'bin');
  const script = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  mkdirSync(bin);
  for (const command of ['heartbeat-put', 'heartbeat-tail', 'heartbeat-local-oss']) {
    // The command reads no file, so it may run from the repository, where tsx is found.
    script(command, `cd '${ROOT}' && exec '${process.execPath}' --import tsx src/cli/${command}.ts "$@"`);
  }
  script('make', BUILD.map((line) => `echo '${line}'; sleep 0.3`).join('\n'));
  return bin;
}

describe('the README walkthrough: heartbeat-local-oss in one terminal, heartbeat-put and heartbeat-tail in another', { timeout: 60_000 }, () => {
  it('the tail prints the build log as it is appended and ends with the build; Ctrl-C stops the server with 0', async () => {
    const env = { PATH: `${binaries()}:${process.env.PATH ?? ''}`, HOME: folder };
    const inFolder = (lines: string): string => `cd '${folder}' && ${lines}`;

    const terminal1 = runShell(inFolder(TERMINAL_1), env);
    const variables = join(folder, 'local-oss.env');
    await vi.waitFor(() => expect(readFileSync(variables, 'utf8')).toMatch(/^export OSS_ACCESS_KEY_SECRET=/m), { timeout: 20_000, interval: 50 });

    const terminal2 = await runShell(inFolder(TERMINAL_2.join('\n')), env).done;
    expect(terminal2.code).toBe(0);
    expect(terminal2.stdout.toString()).toBe(BUILD.map((line) => `${line}\n`).join(''));
    const bytes = Buffer.byteLength(terminal2.stdout);
    expect(terminal2.stderr).toMatch(new RegExp(`^heartbeat-put: appended logs/build\\.log: ${bytes} bytes stored, .*, marked complete\n$`));

    // What was stored, again: the log is complete, so the tail prints it and ends.
    const again = await runShell(inFolder(`${TERMINAL_2[0]}\nheartbeat-tail logs/build.log`), env).done;
    expect({ code: again.code, stdout: again.stdout.toString(), stderr: again.stderr }).toEqual({
      code: 0,
      stdout: BUILD.map((line) => `${line}\n`).join(''),
      stderr: '',
    });

    // Ctrl-C: SIGINT to the terminal's foreground job.
    process.kill(-terminal1.child.pid!, 'SIGINT');
    const stopped = await terminal1.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/\nheartbeat-local-oss: stopped by SIGINT: it held 1 object \(0 PutObjects, \d+ appends?\), gone with it\n$/);
  });
});
