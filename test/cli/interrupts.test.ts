import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { watchInterrupts } from '../../src/cli/interrupts.js';
import { useFakeClock } from '../support/fake-clock.js';

describe('watchInterrupts, on a fake clock', () => {
  useFakeClock();

  it('aborts at the first signal by default', () => {
    const signals = new EventEmitter();
    const interrupts = watchInterrupts(signals);
    signals.emit('SIGTERM');
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.by).toBe('SIGTERM');
    interrupts.dispose();
  });

  it('winding down: the first signal stops the reading, and the abort follows after the grace period', () => {
    const signals = new EventEmitter();
    const interrupts = watchInterrupts(signals);
    const wind = vi.fn();
    interrupts.windDownFirst(wind, 5_000);
    signals.emit('SIGINT');
    expect(wind).toHaveBeenCalledOnce();
    expect(interrupts.signal.aborted).toBe(false);
    vi.advanceTimersByTime(4_999);
    expect(interrupts.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.by).toBe('SIGINT');
    interrupts.dispose();
  });

  it('winding down: a second signal aborts at once, and the first one names the interrupt', () => {
    const signals = new EventEmitter();
    const interrupts = watchInterrupts(signals);
    interrupts.windDownFirst(() => {}, 5_000);
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(interrupts.signal.aborted).toBe(true);
    expect(interrupts.by).toBe('SIGTERM');
    interrupts.dispose();
  });

  it('dispose stops listening and leaves no timer', () => {
    const signals = new EventEmitter();
    const interrupts = watchInterrupts(signals);
    interrupts.windDownFirst(() => {}, 5_000);
    signals.emit('SIGINT');
    interrupts.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
