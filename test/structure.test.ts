import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** The package's own entries, as the sources import each other by name (see tsup.config.ts). */
const ENTRIES: Record<string, string> = {
  'heartbeat-readable': 'index.ts',
  'heartbeat-readable/oss': 'oss/index.ts',
  'heartbeat-readable/testing': 'testing/index.ts',
};

/** Where a file sits: the commands, the stateless helpers every entry may carry a copy of, or the library. */
const isCli = (file: string): boolean => file.startsWith('cli/');
const isInternal = (file: string): boolean => file.startsWith('internal/');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Every module a source file imports, type imports included, as paths relative to src/. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.flatMap(({ fileName }) => {
    if (fileName in ENTRIES) return [ENTRIES[fileName]!];
    if (!fileName.startsWith('.')) return [];
    return [relative(SRC, resolve(dirname(file), fileName.replace(/\.js$/, '.ts')))];
  });
}

const GRAPH = new Map(sourceFiles(SRC).map((file) => [relative(SRC, file), importsOf(file)]));

/** The import cycles of the graph, each as the path that closes it. */
function cycles(): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, path: string[]): void => {
    const at = path.indexOf(file);
    if (at !== -1) return void found.push([...path.slice(at), file]);
    if (done.has(file)) return;
    for (const next of GRAPH.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of GRAPH.keys()) visit(file, []);
  return found;
}

describe('the structure of src/', () => {
  it('has no import circle, type imports included', () => {
    expect(cycles()).toEqual([]);
  });

  it('resolves every relative import to a source file', () => {
    const missing = [...GRAPH.values()].flat().filter((file) => !GRAPH.has(file));
    expect(missing).toEqual([]);
  });

  it('keeps the core entry free of the oss and testing entries: the root never loads ali-oss', () => {
    const core = [...GRAPH.keys()].filter((file) => !/^(oss|testing|cli)\//.test(file));
    const reachesOut = core.filter((file) => GRAPH.get(file)!.some((target) => /^(oss|testing|cli)\//.test(target)));
    expect(reachesOut).toEqual([]);
  });

  it('lets no file outside src/cli import src/cli', () => {
    const intoCli = [...GRAPH].filter(([file, imports]) => !isCli(file) && imports.some(isCli)).map(([file]) => file);
    expect(intoCli).toEqual([]);
  });

  it('lets src/cli reach the library only through its public entries or src/internal', () => {
    const entries = new Set(Object.values(ENTRIES));
    const pastEntries = [...GRAPH]
      .filter(([file]) => isCli(file))
      .flatMap(([file, imports]) => imports.filter((target) => !isCli(target) && !isInternal(target) && !entries.has(target)).map((target) => `${file} -> ${target}`));
    expect(pastEntries).toEqual([]);
  });

  it('keeps src/internal free of the rest of the library: its helpers stand alone', () => {
    const reachesOut = [...GRAPH]
      .filter(([file]) => isInternal(file))
      .flatMap(([file, imports]) => imports.filter((target) => !isInternal(target)).map((target) => `${file} -> ${target}`));
    expect(reachesOut).toEqual([]);
  });
});
