export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface Interrupts {
  /** Aborts the upload. */
  readonly signal: AbortSignal;
  /** The first signal that came, if any. */
  readonly by: HandledSignal | undefined;
  /**
   * From now on the first signal calls `wind` instead of aborting, and the abort follows `graceMs` later or at
   * the next signal: time to store what was read. A signal that came before aborted already.
   */
  windDownFirst(wind: () => void, graceMs: number): void;
  /** Stops listening and clears the grace timer. */
  dispose(): void;
}

/** Listens for SIGINT and SIGTERM on `signals` (`process` in the real command). */
export function watchInterrupts(signals: NodeJS.EventEmitter): Interrupts {
  const controller = new AbortController();
  let by: HandledSignal | undefined;
  let windDown: { wind: () => void; graceMs: number } | undefined;
  let grace: NodeJS.Timeout | undefined;
  const abort = (): void => controller.abort(new Error(`interrupted by ${by}`));
  const on = (signal: HandledSignal): void => {
    if (by !== undefined || windDown === undefined) {
      by ??= signal;
      return abort();
    }
    by = signal;
    grace = setTimeout(abort, windDown.graceMs);
    windDown.wind();
  };
  const onSigint = (): void => on('SIGINT');
  const onSigterm = (): void => on('SIGTERM');
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigterm);
  return {
    signal: controller.signal,
    get by() {
      return by;
    },
    windDownFirst(wind, graceMs) {
      windDown = { wind, graceMs };
    },
    dispose() {
      clearTimeout(grace);
      signals.off('SIGINT', onSigint);
      signals.off('SIGTERM', onSigterm);
    },
  };
}
