/** A duration in the largest unit that states it exactly: 90m, not ms's rounded "2h". */
export function formatDuration(milliseconds: number): string {
  const units = [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const;
  const unit = units.find(([, size]) => milliseconds % size === 0);
  return unit ? `${milliseconds / unit[1]}${unit[0]}` : `${milliseconds}ms`;
}

/** The binary units a size may be given in, largest first. */
export const SIZE_UNITS = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10], ['B', 1]] as const;

/** A size in the largest binary unit that states it exactly: 1MiB, 1536KiB, 100B. */
export function formatSize(bytes: number): string {
  const [unit, size] = SIZE_UNITS.find(([, size]) => bytes % size === 0)!;
  return `${bytes / size}${unit}`;
}

/** The first line of an error's message, for a one-line report; a thrown non-error as `String()` shows it. */
export function firstLineOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message === '' ? 'no message' : message.split('\n')[0]!;
  return String(error).split('\n')[0]!;
}
