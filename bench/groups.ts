import { CONFIGS, type Mode } from './config.js';
import type { Figure } from './report.js';

export const GROUP_NAMES = ['throughput', 'push', 'upload', 'idle streams', 'gap'] as const;
export type GroupName = (typeof GROUP_NAMES)[number];

/** Runs one group of figures in this process. Modules load on demand: bench/product.ts must see the build first. */
export async function runGroup(name: GroupName, mode: Mode): Promise<Figure[]> {
  const config = CONFIGS[mode];
  switch (name) {
    case 'throughput':
      return (await import('./throughput.js')).throughputFigures(config.throughput);
    case 'push':
      return (await import('./push.js')).pushFigures(config.push);
    case 'upload':
      return (await import('./upload.js')).uploadFigures(config.upload);
    case 'idle streams':
      return (await import('./idle-streams.js')).idleFigures(config.idle);
    case 'gap':
      return (await import('./gap.js')).gapFigures(config.gap);
  }
}
