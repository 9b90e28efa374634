import { afterEach, expect, it, vi } from 'vitest';
import { HeartbeatReadable } from 'heartbeat-readable';

afterEach(() => {
  vi.useRealTimers();
});

it('sends a heartbeat every 30 s of silence', () => {
  vi.useFakeTimers();
  const log = new HeartbeatReadable({ idleLimitMs: 60_000 });
  log.resume(); // the upload starts reading
  vi.advanceTimersByTime(5 * 60_000); // five silent minutes
  expect(log.heartbeats).toBe(10);
  log.destroy(); // before the fake timers go
});
