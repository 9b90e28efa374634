import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, installedPackage, runInstalled } from './installed.js';

beforeAll(installedPackage, 120_000);

/** How each entry is loaded: `import` (ESM), `require` (CommonJS), from the first or the second installed copy. */
type Loader = 'import' | 'require' | 'require-second-copy';

function load(binding: string, specifier: string, loader: Loader): string {
  if (loader === 'import') return `const ${binding} = await import('${specifier}');`;
  const from = loader === 'require' ? 'require' : 'requireSecondCopy';
  return `const ${binding} = ${from}('${specifier}');`;
}

/** An ESM script that loads the root entry and the oss/testing entries as told, then runs `body`. */
function script(rootLoader: Loader, ossLoader: Loader, body: string): string {
  return `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const requireSecondCopy = createRequire(new URL('./second-copy/', import.meta.url));
console.warn = () => {}; // urllib's warnings on failed uploads are not what this checks
${load('root', 'heartbeat-readable', rootLoader)}
${load('oss', 'heartbeat-readable/oss', ossLoader)}
${load('testing', 'heartbeat-readable/testing', ossLoader)}
const local = await testing.startLocalOss({ idleLimitMs: 600 });
const client = oss.createOssClient(local.clientOptions());
try {
${body}
} finally {
  await local.close();
}
`;
}

const mixes: Array<[string, Loader, Loader]> = [
  ['ESM', 'import', 'import'],
  ['CommonJS', 'require', 'require'],
  ['root by require, oss by import', 'require', 'import'],
  ['root by import, oss by require', 'import', 'require'],
  ['root from a second installed copy', 'require-second-copy', 'import'],
];

describe.each(mixes)('the built package, %s', (_name, rootLoader, ossLoader) => {
  it("uploads a HeartbeatReadable from the root entry as it is (the README's putStreamWithHeartbeat example), reporting the stream's own heartbeats and data bytes", async () => {
    const run = await runInstalled(
      'mjs',
      script(
        rootLoader,
        ossLoader,
        `
// Heartbeats far more often than the limit needs, so a loaded machine cannot make one late enough to miss it.
const log = new root.HeartbeatReadable({ idleLimitMs: 600, heartbeatAfterMs: 50 });
const upload = oss.putStreamWithHeartbeat(client, 'logs/build.log', log);
log.push('step 1\\n');
await new Promise((resolve) => setTimeout(resolve, 900)); // a silent step, longer than the idle limit
log.push('step 2\\n');
log.push(null);
const { heartbeats, dataBytes } = await upload;
console.log(JSON.stringify({ heartbeats, dataBytes, own: log.heartbeats, stored: local.getObject('logs/build.log').toString() }));
`,
      ),
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { heartbeats: number; dataBytes: number; own: number; stored: string };
    expect(result.heartbeats).toBeGreaterThan(0);
    expect(result.heartbeats).toBe(result.own);
    expect(result.dataBytes).toBe('step 1\nstep 2\n'.length);
    expect(result.stored).toBe(`step 1\n${' '.repeat(result.heartbeats)}step 2\n`);
  });

  it('refuses heartbeat options for a HeartbeatReadable source, and reports a cancelled body as aborted', async () => {
    const run = await runInstalled(
      'mjs',
      script(
        rootLoader,
        ossLoader,
        `
const refused = await oss.putStreamWithHeartbeat(client, 'a.log', new root.HeartbeatReadable(), { heartbeat: { idleLimitMs: 1000 } })
  .then(() => 'resolved', (error) => error.constructor.name + ': ' + error.message);
const body = new root.HeartbeatReadable();
const upload = oss.putStreamWithHeartbeat(client, 'b.log', body);
body.push('partial');
setTimeout(() => body.destroy(), 50);
const kind = await upload.then(() => 'resolved', (error) => oss.explainUploadError(error).kind);
console.log(JSON.stringify({ refused, kind, stored: local.getObject('b.log') !== undefined }));
`,
      ),
    );
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { refused: string; kind: string; stored: boolean };
    expect(result.refused).toMatch(/^TypeError: heartbeat options/);
    expect(result).toMatchObject({ kind: 'aborted', stored: false });
  });
});

describe('one core per process', () => {
  it('import and require of every entry share one HeartbeatReadable class', async () => {
    const run = await runInstalled(
      'mjs',
      `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const esm = await import('heartbeat-readable');
const cjs = require('heartbeat-readable');
const requireSecondCopy = createRequire(new URL('./second-copy/', import.meta.url));
const other = requireSecondCopy('heartbeat-readable');
console.log(JSON.stringify({
  sameClass: esm.HeartbeatReadable === cjs.HeartbeatReadable && esm.withHeartbeat === cjs.withHeartbeat,
  otherCopyIsAnotherClass: other.HeartbeatReadable !== cjs.HeartbeatReadable,
  recognisedAcrossCopies: new other.HeartbeatReadable() instanceof cjs.HeartbeatReadable,
  wrapperRecognised: other.withHeartbeat((async function* () {})()) instanceof esm.HeartbeatReadable,
  plainReadableNot: !(new (await import('node:stream')).Readable() instanceof esm.HeartbeatReadable),
}));
`,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      sameClass: true,
      otherCopyIsAnotherClass: true,
      recognisedAcrossCopies: true,
      wrapperRecognised: true,
      plainReadableNot: true,
    });
  });

  it("errors from another copy's appendStream are explained, with their account", async () => {
    const run = await runInstalled(
      'mjs',
      `
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
const oss = createRequire(import.meta.url)('heartbeat-readable/oss');
const other = createRequire(new URL('./second-copy/', import.meta.url))('heartbeat-readable/oss');
const { startLocalOss } = await import('heartbeat-readable/testing');
const local = await startLocalOss();
const client = other.createOssClient(local.clientOptions());
await other.appendStream(client, 'build.log', Readable.from(['step 1\\n']));
const error = await other.appendStream(client, 'build.log', Readable.from(['step 2\\n'])).catch((caught) => caught);
console.log(JSON.stringify({ kind: oss.explainUploadError(error).kind, account: oss.appendAccountOf(error) }));
await local.close();
`,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'object-exists', account: { objectName: 'build.log', position: 7, storedBytes: 0 } });
  });

  it('a subclass keeps the ordinary instanceof', async () => {
    const run = await runInstalled(
      'cjs',
      `
const { HeartbeatReadable } = require('heartbeat-readable');
class BuildLog extends HeartbeatReadable {}
console.log(JSON.stringify([new BuildLog() instanceof BuildLog, new HeartbeatReadable() instanceof BuildLog, new BuildLog() instanceof HeartbeatReadable]));
`,
    );
    expect(JSON.parse(run.stdout)).toEqual([true, false, true]);
  });

  it.each(['mjs', 'cjs'] as const)('the root entry (%s) loads nothing outside node: built-ins', async (kind) => {
    const load = kind === 'mjs' ? "await import('heartbeat-readable');" : "require('heartbeat-readable');";
    const run = await runInstalled(
      kind,
      `${kind === 'mjs' ? "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" : ''}
${load}
console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('node_modules') && !file.includes('/heartbeat-readable/'))));
`,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});

describe('the heartbeat-put bin', () => {
  it('uploads standard input to the embedded local server', async () => {
    const run = await runInstalled(
      'cjs',
      `
const { execFileSync } = require('node:child_process');
process.stdout.write(execFileSync(${JSON.stringify(BIN)}, ['--local', 'logs/build.log'], { input: 'hello\\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }));
`,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });
});
