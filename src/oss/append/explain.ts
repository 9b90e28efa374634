import type { AppendAccount } from './errors.js';

export type AppendErrorKind =
  | 'append-conflict'
  | 'append-gave-up'
  | 'append-refused'
  | 'not-appendable'
  | 'object-exists'
  | 'object-too-large'
  | 'progress-callback-threw'
  | 'resume-mismatch'
  | 'log-complete';

const KINDS: Record<string, AppendErrorKind | 'aborted'> = {
  ERR_APPEND_CONFLICT: 'append-conflict',
  ERR_APPEND_GAVE_UP: 'append-gave-up',
  ERR_APPEND_REFUSED: 'append-refused',
  ERR_OBJECT_NOT_APPENDABLE: 'not-appendable',
  ERR_OBJECT_EXISTS: 'object-exists',
  ERR_OBJECT_TOO_LARGE: 'object-too-large',
  ERR_APPEND_PROGRESS_CALLBACK: 'progress-callback-threw',
  ERR_RESUME_MISMATCH: 'resume-mismatch',
  ERR_LOG_COMPLETE: 'log-complete',
  ABORT_ERR: 'aborted',
};

/** What to do, for the kinds whose message does not say it already. */
const ADVICE: Partial<Record<AppendErrorKind, string>> = {
  'append-conflict': 'Give each writer an object of its own, and read this one before trusting it.',
  'append-gave-up':
    'OSS stayed unreachable or failing longer than the retry limits allow: raise retry.attempts or ' +
    'retry.maxElapsedMs, or continue later with resume: true.',
  'append-refused': 'Act on the error itself: credentials, permissions, the bucket or the object name.',
  'progress-callback-threw': 'Fix onProgress (its error is the cause), then continue the object with resume: true.',
};

// Symbol.for: a second copy of the package in the process reads it too.
const APPEND_ACCOUNT = Symbol.for('heartbeat-readable.appendAccount');

/** Keeps what appendStream had stored on the source's own error, which it rejects with as it is. */
export function attachAppendAccount(error: unknown, account: AppendAccount): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) return;
  // Not enumerable: logs and inspect() show the source's error as the source raised it.
  Object.defineProperty(error, APPEND_ACCOUNT, { value: account, configurable: true });
}

/** The kind of an appendStream error of its own. */
function kindOf(error: object): AppendErrorKind | 'aborted' | undefined {
  // By code and fields, not instanceof: a second copy of the package in the process raises its own classes.
  const { code, storedBytes } = error as Record<string, unknown>;
  // Own keys only: a code such as 'toString' must not find Object.prototype's.
  return typeof code === 'string' && typeof storedBytes === 'number' && Object.hasOwn(KINDS, code) ? KINDS[code] : undefined;
}

function attachedAccount(error: object): AppendAccount | undefined {
  return (error as Record<symbol, AppendAccount | undefined>)[APPEND_ACCOUNT];
}

/**
 * What appendStream had stored when it rejected with `error`: one of its own errors, or a source's error it
 * rejected with. Undefined for any other error, from whichever copy of the package.
 */
export function appendAccountOf(error: unknown): AppendAccount | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (kindOf(error) === undefined) return attachedAccount(error);
  const { objectName, storedBytes, unconfirmedBytes, unsentBytes, position, appends, retries } = error as AppendAccount;
  return { objectName, storedBytes, unconfirmedBytes, unsentBytes, position, appends, retries };
}

/** The kind and message of an appendStream error, or undefined for any other error. */
export function explainAppendError(
  error: unknown,
): { kind: AppendErrorKind | 'aborted' | 'source-error'; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { message } = error as { message?: unknown };
  const kind = kindOf(error);
  if (kind !== undefined) {
    const advice = kind === 'aborted' ? undefined : ADVICE[kind];
    return { kind, message: advice === undefined ? String(message) : `${String(message)} ${advice}` };
  }
  const account = attachedAccount(error);
  if (account === undefined) return undefined;
  return {
    kind: 'source-error',
    message:
      `The source stream failed (${String(message).split('\n')[0] || 'no message'}) after every byte it gave was appended: ` +
      `${account.storedBytes} bytes from this call stay in the object${account.position === undefined ? '' : `, which is ${account.position} bytes long`}. ` +
      "This is the source's own error: look at what feeds the upload, not at the connection.",
  };
}
