/** The error an aborted upload rejects with, shaped like Node's own (stream.pipeline, events.once). */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';

  constructor(reason: unknown) {
    super('The upload was aborted', { cause: reason });
  }
}
