/**
 * The installed package's types, compiled as the strictest user's project compiles them: `strict`,
 * `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess` and no `skipLibCheck`, under every module resolution, with
 * and without the DOM lib. What is compiled: the fixtures in types/ (every-option.ts sets every public option, and
 * leaves each undefined) and every TypeScript block of README.md, as a user would paste it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALLED, installedPackage } from './installed.js';
import { README_BLOCKS } from './readme-blocks.js';

beforeAll(installedPackage, 120_000);

const FIXTURES = join(import.meta.dirname, 'types');

/**
 * How a user's project may resolve modules, and the extension that makes its files ESM or CommonJS there. Neither
 * node16 nor nodenext needs esModuleInterop set (they imply it); bundler never needs it; node10 is tried both ways.
 */
const resolutions = [
  { name: 'node16, CommonJS files', module: 'node16', moduleResolution: 'node16', extension: '.cts' },
  { name: 'nodenext, ESM files', module: 'nodenext', moduleResolution: 'nodenext', extension: '.mts' },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', extension: '.ts' },
  { name: 'node10', module: 'commonjs', moduleResolution: 'node10', extension: '.ts', esModuleInterop: true },
  // @types/ali-oss says `export = OSS`: a default import of it in the .d.cts files would need esModuleInterop.
  { name: 'node10 without esModuleInterop', module: 'commonjs', moduleResolution: 'node10', extension: '.ts', esModuleInterop: false },
] as const;
const libs = [
  { name: 'without the DOM lib', lib: ['es2022'] },
  // With the DOM lib, fetch, Request and ReadableStream are the DOM's, and @types/node steps aside.
  { name: 'with the DOM lib', lib: ['es2022', 'dom'] },
] as const;

const commonJs = (resolution: (typeof resolutions)[number]): boolean =>
  resolution.extension === '.cts' || resolution.module === 'commonjs';

/**
 * A README block as a file. The blocks are ES modules with top-level await; a CommonJS user has the same code
 * after its imports inside a function.
 */
function readmeFile(code: string, asCommonJs: boolean): string {
  if (!asCommonJs) return code;
  const { statements } = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest);
  const first = statements.findIndex((statement) => !ts.isImportDeclaration(statement));
  const imports = first === -1 ? statements.length : first;
  expect(statements.slice(imports).some((statement) => ts.isImportDeclaration(statement)), 'imports come first').toBe(false);
  const end = imports === 0 ? 0 : statements[imports - 1]!.end;
  return `${code.slice(0, end)}\n\nexport async function readmeBlock(): Promise<void> {${code.slice(end)}}\n`;
}

/** README.md's TypeScript blocks, and the example its fetch block stands for. */
const readmeBlocks = [
  ...README_BLOCKS.filter(({ lang }) => lang === 'ts').map(({ line, code }) => ({ name: `readme-line-${line}`, code })),
  { name: 'example-fetch-upload', code: readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'fetch-upload.ts'), 'utf8') },
];
/** Vitest is ESM only, and its types need node16 resolution or later: its block is no code for CommonJS files. */
const esmOnly = (code: string): boolean => code.includes("from 'vitest'");

/*
 * One compiler in this process for the whole matrix, as `tsc -p` would run it for each project, but parsing each
 * declaration file (the libs, @types/node, the package's) once: a `tsc` process per project took four times the CPU.
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

describe('README.md', () => {
  it('writes in TypeScript every block that uses the package, so each is compiled here', () => {
    const usingThePackage = README_BLOCKS.filter(({ code }) => /from 'heartbeat-readable(\/\w+)?'/.test(code));
    expect(usingThePackage.length).toBeGreaterThanOrEqual(4);
    expect(usingThePackage.filter(({ lang }) => lang !== 'ts').map(({ line, lang }) => `line ${line}: ${lang}`)).toEqual([]);
  });
});

describe.each(resolutions)('the types, $name', (resolution) => {
  it.each(libs)('compile with the strictest flags, $name', ({ name, lib }) => {
    const dir = join(INSTALLED, 'types', `${resolution.name}-${name}`.replaceAll(/\W+/g, '-'));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(FIXTURES)) {
      writeFileSync(join(dir, file.replace(/\.ts$/, resolution.extension)), readFileSync(join(FIXTURES, file)));
    }
    for (const block of readmeBlocks) {
      if (commonJs(resolution) && esmOnly(block.code)) continue;
      writeFileSync(join(dir, `${block.name}${resolution.extension}`), readmeFile(block.code, commonJs(resolution)));
    }
    const { options, errors } = ts.convertCompilerOptionsFromJson(
      {
        module: resolution.module,
        moduleResolution: resolution.moduleResolution,
        ...('esModuleInterop' in resolution && { esModuleInterop: resolution.esModuleInterop }),
        target: 'es2022',
        lib,
        types: ['node'],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        // A user without skipLibCheck must not see errors in the package's .d.ts files.
        skipLibCheck: false,
        noEmit: true,
      },
      dir,
    );
    expect(errors).toEqual([]);
    expect(diagnosticsOf(dir, options)).toBe('');
  }, 60_000);
});
