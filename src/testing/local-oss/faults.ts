import { assertInteger, assertOptionsObject, assertPositiveMs, describeValue, invalidType } from '../../internal/validation.js';
import { OSS_OPERATIONS, type OssOperation } from './route.js';

/**
 * What an injected fault does to a request that passed authentication and whose body has arrived:
 * - 'reset-before-apply': the connection is reset; the request is not applied.
 * - 'reset-after-apply': the request is applied, then the connection is reset: the client sees a network
 *   error although the object changed.
 * - 'no-response': the request is applied and no answer comes; the connection stays silent until the
 *   client gives up, or is ended (FIN) after `closeAfterMs`.
 * - 'internal-error' / 'service-unavailable': answered with 500 InternalError / 503 ServiceUnavailable in
 *   OSS's XML; the request is not applied.
 */
export const FAULT_KINDS = ['reset-before-apply', 'reset-after-apply', 'no-response', 'internal-error', 'service-unavailable'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  /** One operation or several, e.g. 'AppendObject'. Default: any. */
  operation?: OssOperation | readonly OssOperation[] | undefined;
  /** The object's key. Default: any. */
  key?: string | undefined;
}

export interface FaultSpec {
  kind: FaultKind;
  /** How many of the next matching requests it applies to. Default 1. */
  count?: number | undefined;
  match?: FaultMatch | undefined;
  /** For 'no-response': end the silent connection with a FIN after this many ms. Default: never. */
  closeAfterMs?: number | undefined;
}

/** A fault taken for one request. */
export interface AppliedFault {
  kind: FaultKind;
  closeAfterMs: number | undefined;
}

/** Faults waiting for the requests they match, applied first come, first served. */
export class FaultPlan {
  #planned: { kind: FaultKind; remaining: number; operations?: readonly OssOperation[]; key?: string; closeAfterMs?: number }[] = [];

  inject(spec: FaultSpec): void {
    assertOptionsObject('fault', spec);
    const { kind, count = 1, match = {}, closeAfterMs } = spec ?? ({} as FaultSpec);
    if (!FAULT_KINDS.includes(kind)) {
      throw invalidType('kind', `kind must be one of ${FAULT_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describeValue(kind)}`);
    }
    assertInteger('count', count, 1);
    assertOptionsObject('match', match);
    const operations = match.operation === undefined ? undefined : [match.operation].flat();
    for (const operation of operations ?? []) {
      if (!OSS_OPERATIONS.includes(operation)) {
        throw invalidType('match.operation', `match.operation must be one of ${OSS_OPERATIONS.join(', ')}, got ${describeValue(operation)}`);
      }
    }
    if (match.key !== undefined && typeof match.key !== 'string') {
      throw invalidType('match.key', `match.key must be a string, got ${describeValue(match.key)}`);
    }
    if (closeAfterMs !== undefined) {
      if (kind !== 'no-response') throw invalidType('closeAfterMs', `closeAfterMs applies only to 'no-response', not to '${kind}'`);
      assertPositiveMs('closeAfterMs', closeAfterMs);
    }
    this.#planned.push({ kind, remaining: count, operations, key: match.key, closeAfterMs });
  }

  /** The first planned fault matching this request, counted down; undefined when none applies. */
  take(operation: OssOperation, key: string): AppliedFault | undefined {
    const index = this.#planned.findIndex(
      (fault) => (!fault.operations || fault.operations.includes(operation)) && (fault.key === undefined || fault.key === key),
    );
    const fault = this.#planned[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#planned.splice(index, 1);
    return { kind: fault.kind, closeAfterMs: fault.closeAfterMs };
  }

  /** Requests still to be hit, over all planned faults. */
  pending(): number {
    return this.#planned.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  clear(): void {
    this.#planned = [];
  }
}
