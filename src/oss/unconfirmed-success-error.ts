/**
 * A PutObject answered with success but without the service's evidence (no ETag and no x-oss-request-id):
 * something in front of OSS answered in its place, seen after a proxy cut the body. Nothing is known to be stored.
 */
export class UnconfirmedSuccessError extends Error {
  override readonly name = 'UnconfirmedSuccessError';
  readonly code = 'ERR_UNCONFIRMED_SUCCESS';

  constructor(readonly status: number) {
    super(
      `The upload was answered with HTTP ${status} but without an ETag or an x-oss-request-id, ` +
        'so OSS did not confirm it: something in front of OSS answered instead, and the object may not be stored',
    );
  }
}
