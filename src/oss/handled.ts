/**
 * `pending`, marked handled: code that starts an upload, feeds its source and awaits it only at the end still
 * receives a failure that came first, instead of the process dying of an unhandled rejection.
 */
export function handled<T>(pending: Promise<T>): Promise<T> {
  pending.catch(() => {});
  return pending;
}
