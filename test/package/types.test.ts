import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage } from './installed.js';

beforeAll(installedPackage, 120_000);

const FIXTURES = join(import.meta.dirname, 'types');

/** How a user's project may resolve modules, and the file extension that makes its files ESM or CommonJS there. */
const resolutions = [
  { name: 'node16, CommonJS files', module: 'node16', moduleResolution: 'node16', extension: '.cts' },
  // Checking every declaration file (ours, @types/node's) takes most of a run: once per lib is enough.
  { name: 'nodenext, ESM files', module: 'nodenext', moduleResolution: 'nodenext', extension: '.mts', checkDeclarations: true },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', extension: '.ts' },
  { name: 'node10', module: 'commonjs', moduleResolution: 'node10', extension: '.ts', esModuleInterop: true },
  // @types/ali-oss says `export = OSS`: a default import of it in the .d.cts files would need esModuleInterop.
  { name: 'node10 without esModuleInterop', module: 'commonjs', moduleResolution: 'node10', extension: '.ts', esModuleInterop: false, checkDeclarations: true },
] as const;
const libs = [
  { name: 'without the DOM lib', lib: ['es2022'] },
  { name: 'with the DOM lib', lib: ['esnext', 'dom', 'dom.iterable'] },
] as const;

/*
 * One compiler in this process for the whole matrix, as `tsc -p` would run it for each project, but parsing each
 * declaration file (the libs, @types/node, the package's) once: eight `tsc` processes took 17 s of CPU, this 4 s.
 * A parsed file depends only on its name and the parse options in the key, which every project here shares.
 */
const parsed = new Map<string, ts.SourceFile | undefined>();

function diagnosticsOf(dir: string, options: ts.CompilerOptions): string {
  const host = ts.createCompilerHost(options);
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, parseOptions, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts') && !fileName.endsWith('.d.cts') && !fileName.endsWith('.d.mts')) {
      return parse(fileName, parseOptions, onError, shouldCreate);
    }
    const { languageVersion, impliedNodeFormat, jsDocParsingMode } =
      typeof parseOptions === 'object' ? parseOptions : { languageVersion: parseOptions, impliedNodeFormat: undefined, jsDocParsingMode: undefined };
    const key = `${fileName}|${languageVersion}|${impliedNodeFormat}|${jsDocParsingMode}`;
    if (!parsed.has(key)) parsed.set(key, parse(fileName, parseOptions, onError, shouldCreate));
    return parsed.get(key);
  };
  const rootNames = readdirSync(dir).map((file) => join(dir, file));
  const program = ts.createProgram({ rootNames, options, host });
  return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  });
}

describe.each(resolutions)('the types, $name', (resolution) => {
  it.each(libs)('compile strictly, $name', ({ name, lib }) => {
    const dir = join(INSTALLED, 'types', `${resolution.name}-${name}`.replaceAll(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(FIXTURES)) {
      copyFileSync(join(FIXTURES, file), join(dir, file.replace(/\.ts$/, resolution.extension)));
    }
    const { options, errors } = ts.convertCompilerOptionsFromJson(
      {
        module: resolution.module,
        moduleResolution: resolution.moduleResolution,
        target: 'es2022',
        lib,
        types: ['node'],
        strict: true,
        noEmit: true,
        // A user without skipLibCheck must not see errors in the package's .d.ts files.
        skipLibCheck: !('checkDeclarations' in resolution),
        esModuleInterop: !('esModuleInterop' in resolution) || resolution.esModuleInterop,
      },
      dir,
    );
    expect(errors).toEqual([]);
    expect(diagnosticsOf(dir, options)).toBe('');
  });
});
