import { describe, expectTypeOf, it } from 'vitest';
import type { PutStreamWithHeartbeatOptions } from '../../src/oss/index.js';

// Checked by tsc (npm run typecheck), like a user's editor would: the types refuse what the code refuses.
describe('PutStreamWithHeartbeatOptions', () => {
  it('has no contentLength: fillers change the length, so the body is always sent chunked', () => {
    expectTypeOf<PutStreamWithHeartbeatOptions>().not.toHaveProperty('contentLength');
    // @ts-expect-error -- contentLength is not an option
    const options: PutStreamWithHeartbeatOptions = { mime: 'text/plain', contentLength: 5 };
    expectTypeOf(options).toHaveProperty('mime');
  });

  it('keeps the other putStream options, and adds heartbeat and signal', () => {
    expectTypeOf<PutStreamWithHeartbeatOptions>().toHaveProperty('headers');
    expectTypeOf<PutStreamWithHeartbeatOptions>().toHaveProperty('heartbeat');
    expectTypeOf<PutStreamWithHeartbeatOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
  });
});
