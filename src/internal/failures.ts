/* src/internal/: see its README.md. */

/** The name, codes and status of a failure, never its message: ali-oss puts the request URL there. */
export function describeFailure(error: unknown): string {
  if (typeof error !== 'object' || error === null) return `a non-error value of type ${typeof error}`;
  const { name, code, status, message } = error as Record<string, unknown>;
  const parts = [typeof name === 'string' ? name : 'Error'];
  if (typeof code === 'string' && code !== name) parts.push(code);
  // ali-oss replaces a network error's code with its name: the system code survives only in the message.
  const systemCode = /\b(E[A-Z]{4,})\b/.exec(String(message))?.[1];
  if (systemCode !== undefined && systemCode !== code) parts.push(systemCode);
  if (typeof status === 'number' && status > 0) parts.push(`HTTP ${status}`);
  // With no answer, the first words say what happened ("socket hang up"): kept when they name no host or URL.
  const summary = String(message).split('\n')[0]!.split(/, [A-Z]+ https?:\/\//)[0]!.trim();
  if ((status === -1 || status === -2) && systemCode === undefined && /^[\w ]{1,40}$/.test(summary)) parts.push(`(${summary})`);
  return parts.join(' ');
}
