import { explainAppendError } from './append/explain.js';
import { diagnose, type UploadErrorKind } from './upload-error-diagnosis.js';
import { messageFor } from './upload-error-words.js';

export type { UploadErrorKind } from './upload-error-diagnosis.js';

export interface UploadErrorExplanation {
  kind: UploadErrorKind;
  /**
   * One or two sentences: what happened and what to change. Built from the error's name, code, status
   * and first line, never from the request, its URL or its headers.
   */
  message: string;
}

/** Names which of the known failure modes of a long streaming upload `error` is, and what to change. */
export function explainUploadError(error: unknown): UploadErrorExplanation {
  const append = explainAppendError(error);
  if (append) return append;
  const diagnosis = diagnose(error);
  return { kind: diagnosis.kind, message: messageFor(error, diagnosis) };
}
