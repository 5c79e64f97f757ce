import { EsError } from './http/errors';
import type { ReindexFaultHook } from './engine/reindex';

/** A fault for ordinary requests. With neither `count` nor `probability` it fires once. */
export interface FaultSpec {
  /** HTTP method to match; any when unset. */
  method?: string;
  /** Matched against the request path (no query string); a string is read as a regular expression. */
  path?: RegExp | string;
  /** Answer with this status and ES's body for it (429 rejected execution, 503 unavailable, ...). */
  status?: number;
  /** Fire for the next N matching requests, then disappear. */
  count?: number;
  /** Fire on each matching request with this probability (0..1) until cleared. */
  probability?: number;
  /** Wait this long before answering (then answer normally unless `status` or `dropConnection`). */
  delayMs?: number;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
}

/** Makes the next reindex whose source matches fail with a bulk failure after `docs` documents. */
export interface ReindexFailureSpec {
  /** Source index or data stream name as given in `source.index`; any reindex when unset. */
  sourceIndex?: string;
  docs: number;
  reason?: string;
}

export interface FaultAction {
  delayMs: number;
  error?: EsError;
  drop: boolean;
}

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  path?: RegExp;
  remaining: number;
}

/** ES's bodies for the statuses tests inject, so the client sees what a loaded cluster sends. */
export function faultError(status: number): EsError {
  if (status === 429) {
    return new EsError(
      429,
      'es_rejected_execution_exception',
      'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, max_coordinating_and_primary_bytes=0] (injected by the sandbox)',
    );
  }
  if (status === 503) {
    return new EsError(
      503,
      'cluster_block_exception',
      'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
    );
  }
  if (status === 504)
    return new EsError(
      504,
      'process_cluster_event_timeout_exception',
      'failed to process cluster event within 30s (injected by the sandbox)',
    );
  return new EsError(status, 'exception', `fault injected by the sandbox (status ${status})`);
}

export class FaultInjector implements ReindexFaultHook {
  private faults: ActiveFault[] = [];
  private reindexFailures: ReindexFailureSpec[] = [];
  private nextId = 1;

  add(spec: FaultSpec): number {
    const id = this.nextId++;
    const path =
      spec.path === undefined ? undefined : typeof spec.path === 'string' ? new RegExp(spec.path) : spec.path;
    const remaining = spec.count ?? (spec.probability === undefined ? 1 : Infinity);
    this.faults.push({ id, spec, path, remaining });
    return id;
  }

  addReindexFailure(spec: ReindexFailureSpec): void {
    this.reindexFailures.push(spec);
  }

  clear(): void {
    this.faults = [];
    this.reindexFailures = [];
  }

  /** The fault for this request, if any; consumes one use of a counted fault. */
  match(method: string, path: string): FaultAction | undefined {
    for (const fault of this.faults) {
      if (fault.spec.method !== undefined && fault.spec.method.toUpperCase() !== method) continue;
      if (fault.path && !fault.path.test(path)) continue;
      if (fault.spec.probability !== undefined && Math.random() >= fault.spec.probability) continue;
      fault.remaining--;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return {
        delayMs: fault.spec.delayMs ?? 0,
        drop: fault.spec.dropConnection === true,
        error: fault.spec.status === undefined ? undefined : faultError(fault.spec.status),
      };
    }
    return undefined;
  }

  failAfter(sourceExpression: string): { docs: number; reason: string } | undefined {
    const names = sourceExpression.split(',');
    const found = this.reindexFailures.find(
      (f) => f.sourceIndex === undefined || names.includes(f.sourceIndex),
    );
    if (!found) return undefined;
    this.reindexFailures = this.reindexFailures.filter((f) => f !== found);
    return { docs: found.docs, reason: found.reason ?? 'reindex failure injected by the sandbox' };
  }
}
