import type { GapConfig } from './gap.js';
import type { IdleConfig } from './idle-streams.js';
import type { PushConfig } from './push.js';
import type { ThroughputConfig } from './throughput.js';
import type { UploadConfig } from './upload.js';

export type Mode = 'full' | 'quick';

export interface Config {
  /**
   * The in-process groups (throughput, push) run in this many fresh processes, and each figure is the
   * median over them: how well V8 compiles the push path differs from one process to the next, and
   * a figure from one process can sit on either side of a 5 % goal.
   */
  processes: number;
  throughput: ThroughputConfig;
  push: PushConfig;
  upload: UploadConfig;
  idle: IdleConfig;
  gap: GapConfig;
}

const MiB = 2 ** 20;

// A round of a ratio is eight runs, four of each side (bench/ratio.ts).
export const CONFIGS: Record<Mode, Config> = {
  full: {
    processes: 3,
    throughput: { rounds: 5, bytes64k: 2048 * MiB, bytes128: 32 * MiB },
    push: { rounds: 3, timeMs: 150 },
    upload: { rounds: 4, bytes: 128 * MiB },
    idle: { rounds: 5, count: 10_000, windowMs: 2000 },
    gap: { silenceMs: 20_000 },
  },
  quick: {
    processes: 3,
    throughput: { rounds: 2, bytes64k: 256 * MiB, bytes128: 4 * MiB },
    push: { rounds: 1, timeMs: 40 },
    upload: { rounds: 2, bytes: 32 * MiB },
    idle: { rounds: 2, count: 10_000, windowMs: 1000 },
    gap: { silenceMs: 5000 },
  },
};
