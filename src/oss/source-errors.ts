// Errors putStreamWithHeartbeat rethrew from the caller's source, kept as the very objects the source threw.
const sourceErrors = new WeakSet<object>();

export function markSourceError(error: unknown): void {
  if (typeof error === 'object' && error !== null) sourceErrors.add(error);
}

export function isSourceError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && sourceErrors.has(error);
}
