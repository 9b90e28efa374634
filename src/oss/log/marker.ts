/**
 * The completion marker: object tags that appendStream puts on a log when it ends, and that followLog reads.
 * Tags live and die with the object, leave its Last-Modified and ETag alone, and need no change to the log's
 * bytes. PutObjectTagging replaces the whole set, so the writer keeps the object's other tags.
 */

/** The tag keys, namespaced so they do not clash with a user's tags. */
export const MARKER_TAGS = Object.freeze({
  state: 'heartbeat-readable:state',
  length: 'heartbeat-readable:length',
  crc64: 'heartbeat-readable:crc64',
});

/**
 * 'complete': the writer appended everything and ended; `length` and `crc64` are the whole log's.
 * 'incomplete': the writer failed or was aborted; followers stop at once instead of waiting.
 * 'open': a run resumed the log; a marker an earlier run left no longer holds.
 */
export type LogState = 'complete' | 'incomplete' | 'open';

export interface LogMarker {
  state: LogState;
  /** The log's length when it was marked, if known. */
  length?: number | undefined;
  /** The log's CRC-64 when it was marked, if known. */
  crc64?: string | undefined;
}

/** `tags` with `marker` in place of any marker they held. */
export function withMarker(tags: Record<string, string>, marker: LogMarker): Record<string, string> {
  const kept = Object.fromEntries(Object.entries(tags).filter(([key]) => !Object.values<string>(MARKER_TAGS).includes(key)));
  return {
    ...kept,
    [MARKER_TAGS.state]: marker.state,
    ...(marker.length !== undefined && { [MARKER_TAGS.length]: String(marker.length) }),
    ...(marker.crc64 !== undefined && { [MARKER_TAGS.crc64]: marker.crc64 }),
  };
}

const STATES: readonly string[] = ['complete', 'incomplete', 'open'] satisfies LogState[];

/** The marker `tags` hold, or undefined: none, or one that is not well formed (a complete one needs both numbers). */
export function markerIn(tags: Record<string, unknown>): LogMarker | undefined {
  const state = tags[MARKER_TAGS.state];
  if (typeof state !== 'string' || !STATES.includes(state)) return undefined;
  const lengthText = tags[MARKER_TAGS.length];
  const crc64 = tags[MARKER_TAGS.crc64];
  const length = typeof lengthText === 'string' && /^(?:0|[1-9]\d*)$/.test(lengthText) ? Number(lengthText) : undefined;
  const crc = typeof crc64 === 'string' && /^\d{1,20}$/.test(crc64) ? crc64 : undefined;
  if (state === 'complete' && (length === undefined || crc === undefined)) return undefined;
  return { state: state as LogState, length, crc64: crc };
}
