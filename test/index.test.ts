import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every module specifier reachable from `file` through relative imports, the relative ones followed. */
function importsReachableFrom(file: string, seen = new Set<string>()): Set<string> {
  const specifiers = new Set<string>();
  if (seen.has(file)) return specifiers;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
    if (specifier!.startsWith('.')) {
      const target = join(dirname(file), specifier!.replace(/\.js$/, '.ts'));
      for (const nested of importsReachableFrom(target, seen)) specifiers.add(nested);
    } else {
      specifiers.add(specifier!);
    }
  }
  return specifiers;
}

describe('the root entry', () => {
  it('exports the core and nothing else', () => {
    expect(Object.keys(root).sort()).toEqual(['DEFAULT_FILLER_TEXT', 'HeartbeatReadable', 'IDLE_LIMITS', 'resolveHeartbeatOptions', 'withHeartbeat']);
  });

  it('has no runtime dependencies: it reaches only node: built-ins, never ali-oss', () => {
    const external = [...importsReachableFrom(join(SRC, 'index.ts'))];
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
  });
});
