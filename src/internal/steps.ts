/*
 * How finely a heartbeat stream follows flowing data, and the longest silence that leaves a reader: the
 * option check and the upload diagnosis both need it. (src/internal/: see its README.md.)
 */

/** The step for a given heartbeatAfterMs (whole ms): 16 checks per period while data flows. */
export function stepFor(afterMs: number): number {
  return Math.ceil(afterMs / 16);
}

/** The longest silence a stream with this heartbeatAfterMs (whole ms) lets through: a filler comes at most one step late. */
export function longestGapMs(afterMs: number): number {
  return afterMs + stepFor(afterMs);
}
