import type { Readable } from 'node:stream';
import type OSS from 'ali-oss';
import type { HeartbeatSource } from 'heartbeat-readable';
import { toNodeReadable } from '../../internal/sources.js';
import { handled } from '../handled.js';
import { markSourceError } from '../source-errors.js';
import { assertClient, assertObjectName } from '../../internal/oss-validation.js';
import { loadCrc64 } from '../crc64.js';
import { ABORT_CHECK_MS, Appender, STEP_BYTES, type Batch } from './appender.js';
import { Batcher } from './batcher.js';
import { AppendAbortedError, AppendConflictError, ProgressCallbackError, type AppendAccount, type AppendStreamError } from './errors.js';
import { attachAppendAccount } from './explain.js';
import { resolveAppendStreamOptions, type AppendStreamOptions } from './options.js';
import { yieldToEventLoop } from '../retry.js';

/** What appendStream stored: the account's counts, every byte of the source, and the log's marker. */
export interface AppendStreamResult extends Pick<AppendAccount, 'appends' | 'retries'> {
  /** The object's key. */
  name: string;
  /** Bytes this call stored: every byte of the source. */
  bytes: number;
  /** The object's length, where `resume: true` would continue. */
  position: number;
  /** The object's CRC-64/ECMA-182 as OSS reported it (a decimal string), checked against the bytes this call appended. */
  crc64: string;
  /** Whether the log is marked complete, with its length and CRC-64, for followers (`markComplete`). */
  complete: boolean;
  /** Why it is not: `markComplete: false`, no object (an empty source), or the marker request's failure. */
  incompleteReason: string | undefined;
}

/** How long a writer that failed or was aborted tries to mark the log incomplete: the abort's own bound. */
const MARK_AFTER_FAILURE_MS = ABORT_CHECK_MS;

/**
 * Streams `source` into the object `name` with OSS AppendObject: bounded batches, one in flight, each
 * appended exactly once whatever the network does, and readable as soon as it lands. Resolves when the
 * source has ended and every byte is stored; rejects with an error that says what is stored. The promise is
 * marked handled: a runner may start it, feed the source and await it only at the end.
 */
export function appendStream(
  client: OSS,
  name: string,
  source: HeartbeatSource,
  options: AppendStreamOptions = {},
): Promise<AppendStreamResult> {
  return handled(run(client, name, source, options));
}

async function run(
  client: OSS,
  name: string,
  source: HeartbeatSource,
  options: AppendStreamOptions,
): Promise<AppendStreamResult> {
  const tagged = (options as { markComplete?: unknown } | undefined)?.markComplete !== false;
  assertClient(client, ['append', 'head', ...(tagged ? (['getObjectTagging', 'putObjectTagging'] as const) : [])]);
  assertObjectName(name);
  const { signal, onProgress, ...limits } = resolveAppendStreamOptions(options);
  const input = toNodeReadable(source);
  let batcher: Batcher | undefined;
  /** The next batch, taken and prepared while the one before is in flight. */
  let ahead: Batch | undefined;
  let appender: Appender | undefined;
  let succeeded = false;
  /** Followers stop on this marker instead of waiting for a log that will not be completed. */
  let markingIncomplete: Promise<unknown> | undefined;
  const markIncomplete = (): void => {
    if (limits.markComplete && appender?.mayMark) markingIncomplete ??= appender.mark({ state: 'incomplete' }, MARK_AFTER_FAILURE_MS);
  };
  // The caller's signal, or an onProgress that threw: either stops the appends and cancels the one in flight,
  // while the log is marked incomplete, side by side: an abort settles within its bound.
  const stopping = new AbortController();
  const stop = (): void => {
    stopping.abort();
    batcher?.stop();
    markIncomplete();
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let callbackFailure: { thrown: unknown } | undefined;
    const report = (): void => {
      if (onProgress === undefined || callbackFailure !== undefined) return;
      try {
        // The account's position: undefined until an answer from OSS gave the object's length.
        const { storedBytes, position, appends, retries } = writer.account();
        onProgress({
          storedBytes,
          position,
          appends,
          retries,
          pendingBytes: batcher?.unstoredBytes ?? 0,
          oldestPendingAt: batcher?.oldestUnstoredAt,
        });
      } catch (thrown) {
        callbackFailure = { thrown };
        stop();
      }
    };
    const writer = (appender = new Appender(client, name, { ...limits, signal: stopping.signal }, await loadCrc64(), {
      pendingBytes: () => (batcher?.pendingBytes ?? 0) + (ahead?.bytes.length ?? 0),
      retried: report,
    }));
    const stopped = (): AppendStreamError =>
      callbackFailure === undefined
        ? new AppendAbortedError(signal?.reason, writer.account())
        : new ProgressCallbackError(callbackFailure.thrown, writer.account());
    if (signal?.aborted) throw stopped();
    // Read from the start: the first lines' flush clock runs while the object is looked up.
    const batches = (batcher = new Batcher(input, limits, report));
    const nextBatch = async (): Promise<Batch | undefined> => {
      const bytes = await batches.next().catch((error: unknown) => {
        markSourceError(error);
        attachAppendAccount(error, writer.account());
        throw error;
      });
      return bytes && writer.prepare(bytes);
    };
    if (!(await writer.start())) throw stopped();
    // A fast source has the next batch due already: it is prepared while the one before is in flight, once
    // a turn of the event loop has let that one's body go out, when it is large enough to matter.
    const prepareAhead = async (sending: Batch): Promise<void> => {
      if (sending.bytes.length > STEP_BYTES) await yieldToEventLoop();
      const bytes = batches.takeIfDue();
      ahead = bytes && writer.prepare(bytes);
    };
    for (let batch = await nextBatch(); batch !== undefined; ) {
      const [stored] = await Promise.all([writer.append(batch), prepareAhead(batch)]);
      if (!stored) break;
      batches.release(batch.bytes.length);
      report();
      batch = ahead ?? (await nextBatch());
      ahead = undefined;
    }
    if (stopping.signal.aborted) throw stopped();
    const { storedBytes, position, crc64 } = writer;
    const incompleteReason = !limits.markComplete
      ? 'markComplete is false'
      : position === 0
        ? 'there is no object: the source was empty'
        : await writer.mark({ state: 'complete', length: position, crc64 });
    succeeded = true;
    const { appends, retries } = writer;
    return { name, bytes: storedBytes, appends, retries, position, crc64, complete: incompleteReason === undefined, incompleteReason };
  } catch (error) {
    // Another writer's log is not this call's to mark.
    if (!(error instanceof AppendConflictError)) markIncomplete();
    await markingIncomplete;
    throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    batcher?.dispose();
    if (!succeeded) (input as Partial<Readable>).destroy?.();
  }
}
