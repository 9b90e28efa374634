export { appendStream, type AppendStreamResult } from './append-stream.js';
export {
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_APPEND_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_APPENDABLE_OBJECT_BYTES,
  MOST_APPEND_BYTES,
  resolveAppendStreamOptions,
  type AppendProgress,
  type ResolvedAppendStreamOptions,
  type AppendStreamOptions,
} from './options.js';
export {
  AppendAbortedError,
  AppendConflictError,
  AppendGaveUpError,
  AppendRefusedError,
  AppendStreamError,
  ObjectExistsError,
  ObjectNotAppendableError,
  ObjectTooLargeError,
  ProgressCallbackError,
  LogCompleteError,
  ResumeMismatchError,
  type AppendAccount,
} from './errors.js';
export { NotOssAnswerError, OSS_ERROR_OUTCOMES, type FailureOutcome } from '../answers.js';
export { RequestCancelledError } from '../cancellable.js';
export { DEFAULT_RETRY, type RetryOptions, type RetryOptions as AppendRetryOptions } from '../retry.js';
export { appendAccountOf } from './explain.js';
