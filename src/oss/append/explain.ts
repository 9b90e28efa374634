import type { AppendAccount } from './errors.js';

export type AppendErrorKind =
  | 'append-conflict'
  | 'append-gave-up'
  | 'append-refused'
  | 'not-appendable'
  | 'object-exists'
  | 'object-too-large';

const KINDS: Record<string, AppendErrorKind | 'aborted'> = {
  ERR_APPEND_CONFLICT: 'append-conflict',
  ERR_APPEND_GAVE_UP: 'append-gave-up',
  ERR_APPEND_REFUSED: 'append-refused',
  ERR_OBJECT_NOT_APPENDABLE: 'not-appendable',
  ERR_OBJECT_EXISTS: 'object-exists',
  ERR_OBJECT_TOO_LARGE: 'object-too-large',
  ABORT_ERR: 'aborted',
};

/** What to do, for the kinds whose message does not say it already. */
const ADVICE: Partial<Record<AppendErrorKind, string>> = {
  'append-conflict': 'Give each writer an object of its own, and read this one before trusting it.',
  'append-gave-up':
    'OSS stayed unreachable or failing longer than the retry limits allow: raise retry.attempts or ' +
    'retry.maxElapsedMs, or continue later with resume: true.',
  'append-refused': 'Act on the error itself: credentials, permissions, the bucket or the object name.',
};

// Symbol.for: a second copy of the package in the process reads it too.
const APPEND_ACCOUNT = Symbol.for('heartbeat-readable.appendAccount');

/** Keeps what appendStream had stored on the source's own error, which it rejects with as it is. */
export function attachAppendAccount(error: unknown, account: AppendAccount): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  // Not enumerable: logs and inspect() show the source's error as the source raised it.
  Object.defineProperty(error, APPEND_ACCOUNT, { value: account, configurable: true });
}

/** The kind and message of an appendStream error, or undefined for any other error. */
export function explainAppendError(
  error: unknown,
): { kind: AppendErrorKind | 'aborted' | 'source-error'; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // By code and fields, not instanceof: a second copy of the package in the process raises its own classes.
  const { code, storedBytes, message } = error as Record<string, unknown>;
  const kind = typeof code === 'string' && typeof storedBytes === 'number' ? KINDS[code] : undefined;
  if (kind !== undefined) {
    const advice = kind === 'aborted' ? undefined : ADVICE[kind];
    return { kind, message: advice === undefined ? String(message) : `${String(message)} ${advice}` };
  }
  const account = (error as Record<symbol, AppendAccount | undefined>)[APPEND_ACCOUNT];
  if (account === undefined) return undefined;
  return {
    kind: 'source-error',
    message:
      `The source stream failed (${String(message).split('\n')[0] || 'no message'}) after every byte it gave was appended: ` +
      `${account.storedBytes} bytes from this call stay in the object, which is ${account.position} bytes long. ` +
      "This is the source's own error: look at what feeds the upload, not at the connection.",
  };
}
