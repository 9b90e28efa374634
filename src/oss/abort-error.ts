/** The error an aborted upload rejects with, shaped like Node's own (stream.pipeline, events.once). */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';

  /**
   * @param bodySent the source had ended and its last byte was handed to the request before the abort: the
   *   server may have stored the complete object, since a request that was sent whole is not taken back.
   */
  constructor(
    reason: unknown,
    readonly bodySent = false,
  ) {
    super(
      bodySent
        ? 'The upload was aborted after its whole body was sent: the server may have stored the complete object'
        : 'The upload was aborted before its whole body was sent: nothing was stored',
      { cause: reason },
    );
  }
}
