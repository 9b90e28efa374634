import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage, PACKAGE_DIR } from './installed.js';

beforeAll(installedPackage, 120_000);

const BIN = join(import.meta.dirname, '..', '..', 'node_modules', '.bin');
const run = (command: string, args: string[]) =>
  promisify(execFile)(join(BIN, command), args).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
  );

describe('the package metadata', () => {
  it('resolves types for every entry under node10, node16 (ESM and CommonJS) and bundler (arethetypeswrong)', async () => {
    const result = await run('attw', [join(INSTALLED, 'heartbeat-readable.tgz'), '--format', 'ascii']);
    expect(result.output).toContain('No problems found');
    expect(result.code).toBe(0);
  });

  it('follows the packaging rules, warnings included (publint --strict)', async () => {
    const result = await run('publint', [PACKAGE_DIR, '--strict', '--pack', 'false']);
    expect(result.output).toContain('All good!');
    expect(result.code).toBe(0);
  });
});
