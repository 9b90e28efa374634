import { answeredByOss, NOT_OSS_ANSWER } from '../answers.js';
import { describeFailure } from '../../internal/failures.js';

/** What an append stream had stored when it stopped: every error of appendStream carries it. */
export interface AppendAccount {
  /** The object's key. */
  objectName: string;
  /** Bytes this call appended that OSS confirmed. */
  storedBytes: number;
  /** Bytes of the last append whose outcome could not be learned: they may or may not be in the object. */
  unconfirmedBytes: number;
  /** Bytes taken from the source that are not in the object. */
  unsentBytes: number;
  /**
   * The object's length as OSS last reported it, or as this call's confirmed appends made it: where `resume: true`
   * continues. After a conflict it is the length OSS reported, written by someone else too. Undefined when no
   * answer from OSS gave it (the first HEAD never got one).
   */
  position: number | undefined;
  /** Appends that landed. */
  appends: number;
  /** Tries after a failure: a resend, a check of the object's length, or a marker request sent again. */
  retries: number;
}

/**
 * The account in words. `lengthReported`: OSS reported `position` after the last append of unknown outcome, so
 * that append may be among those bytes (another writer wrote too) rather than after them.
 */
function describeAccount(
  { storedBytes, unconfirmedBytes, unsentBytes, position }: AppendAccount,
  lengthReported: boolean,
): string {
  const unconfirmed =
    unconfirmedBytes === 0
      ? ''
      : lengthReported
        ? `; whether the last append of ${unconfirmedBytes} bytes is among them could not be learned`
        : `; the last append of ${unconfirmedBytes} bytes may or may not have landed ` +
          `(the object is ${position} or ${(position ?? 0) + unconfirmedBytes} bytes long)`;
  const unsent = unsentBytes > 0 ? `; ${unsentBytes} bytes taken from the source are not stored` : '';
  const length = position === undefined ? "no answer from OSS gave the object's length" : `the object is ${position} bytes long`;
  return `Stored: ${storedBytes} bytes from this call, ${length}${unconfirmed}${unsent}.`;
}

/** The base of every appendStream error: a message that ends with the account, and the account as fields. */
export abstract class AppendStreamError extends Error implements AppendAccount {
  abstract readonly code: string;
  declare readonly objectName: string;
  declare readonly storedBytes: number;
  declare readonly unconfirmedBytes: number;
  declare readonly unsentBytes: number;
  declare readonly position: number | undefined;
  declare readonly appends: number;
  declare readonly retries: number;

  protected constructor(what: string, account: AppendAccount, options?: ErrorOptions, lengthReported = false) {
    super(`${what} ${describeAccount(account, lengthReported)}`, options);
    Object.assign(this, account);
  }
}

/**
 * The object's length or content, as OSS reported it, is not what this call appended: another writer, or a
 * mis-applied append. The account's `position` is the length OSS reported.
 */
export class AppendConflictError extends AppendStreamError {
  override readonly name = 'AppendConflictError';
  readonly code = 'ERR_APPEND_CONFLICT';

  constructor(
    readonly expected: { length: number; crc64?: string | undefined },
    readonly actual: { length: number; crc64?: string | undefined },
    account: AppendAccount,
  ) {
    super(
      expected.length === actual.length
        ? `The content of ${account.objectName} is not what this call appended: its CRC-64 is ${actual.crc64}, expected ${expected.crc64}.`
        : `Another writer changed ${account.objectName}: this call expected it to be ${expected.length} bytes long, ` +
            `but OSS reports ${actual.length}.`,
      account,
      undefined,
      true,
    );
  }
}

/** Retrying stopped at the `retry` limits; `cause` is the last failure. */
export class AppendGaveUpError extends AppendStreamError {
  override readonly name = 'AppendGaveUpError';
  readonly code = 'ERR_APPEND_GAVE_UP';

  constructor(
    readonly attempts: number,
    readonly elapsedMs: number,
    cause: unknown,
    account: AppendAccount,
  ) {
    const notOss = (cause as { code?: unknown } | null)?.code === NOT_OSS_ANSWER;
    super(
      `Gave up on ${account.objectName} after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)} s; ` +
        `the last failure: ${describeFailure(cause)}` +
        (notOss ? ' (something other than OSS answered: check the endpoint and any proxy in between).' : '.'),
      account,
      { cause },
    );
  }
}

/**
 * A request was refused for a reason that retrying cannot fix (a denied request, a missing bucket), by OSS or by
 * something in front of it (an error page without x-oss-request-id); `cause` is the answer.
 */
export class AppendRefusedError extends AppendStreamError {
  override readonly name = 'AppendRefusedError';
  readonly code = 'ERR_APPEND_REFUSED';

  constructor(cause: unknown, account: AppendAccount) {
    super(
      answeredByOss(cause)
        ? `OSS refused a request for ${account.objectName}: ${describeFailure(cause)}; retrying cannot help.`
        : `A request for ${account.objectName} was refused, though not by OSS (${describeFailure(cause)}, without ` +
            'x-oss-request-id): something in front of OSS answered; check the endpoint and any proxy in between.',
      account,
      { cause },
    );
  }
}

/** The object exists but is not appendable (a Normal or Multipart object). */
export class ObjectNotAppendableError extends AppendStreamError {
  override readonly name = 'ObjectNotAppendableError';
  readonly code = 'ERR_OBJECT_NOT_APPENDABLE';

  /** `objectType`: x-oss-object-type, when a HEAD told it. */
  constructor(
    readonly objectType: string | undefined,
    account: AppendAccount,
    options?: ErrorOptions,
  ) {
    super(
      `${account.objectName} is ${objectType === undefined ? 'not an appendable object' : `a ${objectType} object`}: ` +
        'OSS appends only to objects that AppendObject created.',
      account,
      options,
    );
  }
}

/** A new object was asked for (no `resume`), and the object exists. */
export class ObjectExistsError extends AppendStreamError {
  override readonly name = 'ObjectExistsError';
  readonly code = 'ERR_OBJECT_EXISTS';

  constructor(
    readonly objectType: string,
    readonly existingBytes: number,
    account: AppendAccount,
  ) {
    super(
      `${account.objectName} already exists (${objectType}, ${existingBytes} bytes) and appendStream does not overwrite: ` +
        'pass resume: true to continue an appendable object, or choose a new name.',
      account,
    );
  }
}

/**
 * The next append would take the object past OSS's limit for appendable objects, or OSS refused it as too large
 * (EntityTooLarge, the `cause`).
 */
export class ObjectTooLargeError extends AppendStreamError {
  override readonly name = 'ObjectTooLargeError';
  readonly code = 'ERR_OBJECT_TOO_LARGE';

  constructor(
    readonly limitBytes: number,
    batchBytes: number,
    account: AppendAccount,
    options?: ErrorOptions,
  ) {
    super(
      options?.cause === undefined
        ? `Appending ${batchBytes} more bytes would take ${account.objectName} past ${limitBytes} bytes, ` +
            "OSS's limit for an appendable object: continue in a new object."
        : `OSS refused an append of ${batchBytes} bytes to ${account.objectName} as too large (EntityTooLarge): ` +
            `an appendable object grows to ${limitBytes} bytes at most: continue in a new object, or lower maxAppendBytes.`,
      account,
      options,
    );
  }
}

/** `resume: { at }` named a length the object does not have: nothing was appended, so nothing is doubled or lost. */
export class ResumeMismatchError extends AppendStreamError {
  override readonly name = 'ResumeMismatchError';
  readonly code = 'ERR_RESUME_MISMATCH';

  /** `actualBytes`: the object's length as OSS reported it; undefined when there is no such object. */
  constructor(
    readonly expectedBytes: number,
    readonly actualBytes: number | undefined,
    account: AppendAccount,
  ) {
    super(
      `${account.objectName} ${actualBytes === undefined ? 'does not exist' : `is ${actualBytes} bytes long`}, ` +
        `but resume.at says this call continues it at ${expectedBytes}: nothing was appended, so the log is ` +
        'neither doubled nor cut. Continue at the length the object has only if those bytes are the start of this input.',
      account,
    );
  }
}

/** The signal aborted: appends stopped after the one in flight settled, and what was appended stays. */
export class AppendAbortedError extends AppendStreamError {
  // Named like Node's own AbortError, which is what callers test for.
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';

  constructor(reason: unknown, account: AppendAccount) {
    super(`Appending to ${account.objectName} was aborted; what was appended stays in the object.`, account, {
      cause: reason,
    });
  }
}

/** The caller's onProgress threw: appends stopped after the one in flight settled; `cause` is what it threw. */
export class ProgressCallbackError extends AppendStreamError {
  override readonly name = 'ProgressCallbackError';
  readonly code = 'ERR_APPEND_PROGRESS_CALLBACK';

  constructor(thrown: unknown, account: AppendAccount) {
    // The caller's own error: its message names no request.
    const what = thrown instanceof Error ? `${thrown.name}: ${thrown.message.split('\n')[0]}` : describeFailure(thrown);
    super(
      `onProgress threw (${what}), so appending to ${account.objectName} stopped once the append in flight had settled; ` +
        'what was appended stays in the object.',
      account,
      { cause: thrown },
    );
  }
}

/** `resume` met a log its writer marked complete, and `resume.reopen` was not given: nothing was appended. */
export class LogCompleteError extends AppendStreamError {
  override readonly name = 'LogCompleteError';
  readonly code = 'ERR_LOG_COMPLETE';

  constructor(
    readonly markedBytes: number | undefined,
    account: AppendAccount,
  ) {
    super(
      `${account.objectName} was marked complete by the run that wrote it${markedBytes === undefined ? '' : ` (${markedBytes} bytes)`}: ` +
        'appending would change a finished log under its followers. Pass resume: { reopen: true } to continue it anyway, ' +
        'or choose a new name.',
      account,
    );
  }
}
