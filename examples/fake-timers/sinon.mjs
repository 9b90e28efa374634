// The README's fake-timer recipe for @sinonjs/fake-timers, as a script: any test runner wraps it the same way.
import assert from 'node:assert/strict';
import FakeTimers from '@sinonjs/fake-timers';
import { HeartbeatReadable } from 'heartbeat-readable';

const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
const log = new HeartbeatReadable({ idleLimitMs: 60_000 });
log.resume(); // the upload starts reading
clock.tick(5 * 60_000); // five silent minutes
assert.equal(log.heartbeats, 10);
log.destroy(); // before the fake timers go
clock.uninstall();
