// How a promise settled: its rejection (rejectionOf), or when and how often it settled (observeSettlement).
import { inspect } from 'node:util';

/**
 * The rejection of `promise`, or a failure if it resolved. A resolved value that can be closed or destroyed
 * (a server started by mistake) is, first, so it does not outlive the test.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  const resource = result as { close?(): unknown; destroy?(): unknown } | undefined;
  await resource?.close?.();
  resource?.destroy?.();
  throw new Error(`expected a rejection, got ${inspect(result, { depth: 0 })}`);
}

export interface Settlement<T> {
  /** How often the promise's fulfilment and rejection handlers ran, together. */
  calls: number;
  settled: boolean;
  value?: T;
  error?: unknown;
}

/** Watches `promise` settle; `done` resolves (never rejects) once it has. */
export function observeSettlement<T>(promise: Promise<T>): { settlement: Settlement<T>; done: Promise<void> } {
  const settlement: Settlement<T> = { calls: 0, settled: false };
  const done = promise.then(
    (value) => {
      settlement.calls += 1;
      settlement.settled = true;
      settlement.value = value;
    },
    (error: unknown) => {
      settlement.calls += 1;
      settlement.settled = true;
      settlement.error = error;
    },
  );
  return { settlement, done };
}
