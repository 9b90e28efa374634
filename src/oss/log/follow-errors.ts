/** Why followLog stopped without the log being complete. */
export type FollowLogErrorCode =
  /** The object now holds other bytes than the ones read: replaced by another object. */
  | 'ERR_LOG_REPLACED'
  /** The object is shorter than what was read: replaced by a shorter one. */
  | 'ERR_LOG_TRUNCATED'
  /** The object was deleted after it had been read. */
  | 'ERR_LOG_DELETED'
  /** The writer marked the log as ended without completing it (it failed or was aborted). */
  | 'ERR_LOG_INCOMPLETE'
  /** `giveUpAfterMs` passed without the log growing. */
  | 'ERR_LOG_STALLED'
  /** Requests kept failing past the `retry` limits; `cause` is the last failure. */
  | 'ERR_FOLLOW_GAVE_UP'
  /** OSS refused a request for a reason that retrying cannot fix; `cause` is its answer. */
  | 'ERR_FOLLOW_REFUSED'
  /** The signal aborted. */
  | 'ABORT_ERR';

/** What a log follower errors with: the reason as `code`, and how far it had read. */
export class FollowLogError extends Error {
  override readonly name: string;

  constructor(
    readonly code: FollowLogErrorCode,
    readonly objectName: string,
    /** Bytes of the log read before the error: the next byte's offset. */
    readonly position: number,
    what: string,
    options?: ErrorOptions,
  ) {
    super(`Following ${objectName} stopped at byte ${position}: ${what}`, options);
    // Named like Node's own AbortError, which is what callers test for.
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'FollowLogError';
  }
}
