// The README's fake-timer recipe for Jest (modern fake timers, the default).
const { HeartbeatReadable } = require('heartbeat-readable');

test('sends a heartbeat every 30 s of silence', () => {
  jest.useFakeTimers();
  const log = new HeartbeatReadable({ idleLimitMs: 60_000 });
  log.resume(); // the upload starts reading
  jest.advanceTimersByTime(5 * 60_000); // five silent minutes
  expect(log.heartbeats).toBe(10);
  log.destroy(); // before the fake timers go
  jest.useRealTimers();
});
