import type { AppendProgress } from 'heartbeat-readable/oss';

/** How far --append has got, for the status line: what appendStream last reported through onProgress. */
export class AppendStatus {
  #last: AppendProgress | undefined;

  /** appendStream's onProgress. */
  readonly update = (progress: AppendProgress): void => {
    this.#last = progress;
  };

  /** Bytes this run appended that OSS confirmed. */
  get storedBytes(): number {
    return this.#last?.storedBytes ?? 0;
  }

  get appends(): number {
    return this.#last?.appends ?? 0;
  }

  /** Tries after a failure. */
  get retries(): number {
    return this.#last?.retries ?? 0;
  }

  /** How long the oldest byte read and not yet stored has waited, in ms; undefined when none waits. */
  batchAgeMs(): number | undefined {
    const since = this.#last?.oldestPendingAt;
    return since === undefined ? undefined : Date.now() - since;
  }
}
