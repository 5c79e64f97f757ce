import { EsError, toEsError } from '../http/errors';
import type { Json, JsonObject } from '../http/json';
import type { ClusterState } from '../state/cluster-state';
import type { StoredDoc } from '../state/index-store';
import type { TaskJob } from './tasks';
import { writeDocument, type OpType } from './write';

export interface ReindexSpec {
  sources: Array<{ index: string; uuid: string; docs: StoredDoc[] }>;
  sourceExpression: string;
  dest: string;
  opType: OpType;
  pipeline?: string;
  conflictsProceed: boolean;
  batchSize: number;
  maxDocs: number;
  /** Documents per second; Infinity when unthrottled (-1). */
  requestsPerSecond: number;
  refresh: boolean;
}

/** Lets a fault make a reindex fail after K documents (see faults.ts). */
export interface ReindexFaultHook {
  failAfter(sourceExpression: string): { docs: number; reason: string } | undefined;
}

interface Counters {
  total: number;
  updated: number;
  created: number;
  deleted: number;
  batches: number;
  version_conflicts: number;
  noops: number;
  throttled_millis: number;
}

/**
 * One `_reindex` run: batches of `size` documents from a point-in-time view of the source, each written
 * like a bulk request, then a pause of `batch / rps - elapsed` as ES's WorkerBulkByScrollTaskState does.
 * Rethrottle and cancel wake the pause so they take effect at the next batch boundary.
 */
export class ReindexJob implements TaskJob {
  readonly action = 'indices:data/write/reindex';
  readonly description: string;
  private readonly counters: Counters;
  private cancelledReason: string | undefined;
  private throttledUntilMs = 0;
  private wake: (() => void) | undefined;
  private rps: number;
  /** What the first search will report as `total`; the status shows 0 until that search has run. */
  private readonly plannedTotal: number;

  constructor(
    private readonly state: ClusterState,
    private readonly spec: ReindexSpec,
    private readonly hooks: { faults: ReindexFaultHook; afterBatch: () => void },
  ) {
    this.description = `reindex from [${spec.sourceExpression}] to [${spec.dest}]`;
    this.rps = spec.requestsPerSecond;
    const available = spec.sources.reduce((n, s) => n + s.docs.length, 0);
    this.plannedTotal = Math.min(available, spec.maxDocs);
    this.counters = {
      total: 0,
      updated: 0,
      created: 0,
      deleted: 0,
      batches: 0,
      version_conflicts: 0,
      noops: 0,
      throttled_millis: 0,
    };
  }

  private rpsJson(): number {
    return Number.isFinite(this.rps) ? this.rps : -1;
  }

  status(): JsonObject {
    return {
      ...this.counters,
      retries: { bulk: 0, search: 0 },
      throttled_millis: this.counters.throttled_millis,
      requests_per_second: this.rpsJson(),
      throttled_until_millis: this.throttledUntilMs > 0 ? Math.max(0, this.throttledUntilMs - Date.now()) : 0,
    };
  }

  cancel(reason: string): void {
    this.cancelledReason ??= reason;
    // ES lifts the throttle of a cancelled task so it stops at once; its status then says -1.
    this.rps = Infinity;
    this.wake?.();
  }

  isCancelled(): boolean {
    return this.cancelledReason !== undefined;
  }

  rethrottle(rps: number): void {
    this.rps = rps;
    this.wake?.();
  }

  private async pause(batchStartMs: number, batchSize: number): Promise<void> {
    for (;;) {
      if (this.cancelledReason !== undefined) return;
      const dueMs = Number.isFinite(this.rps) ? batchStartMs + (batchSize / this.rps) * 1000 : 0;
      const waitMs = dueMs - Date.now();
      if (waitMs <= 0) return;
      this.throttledUntilMs = dueMs;
      const began = Date.now();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      this.throttledUntilMs = 0;
      this.counters.throttled_millis += Date.now() - began;
    }
  }

  /**
   * The scroll ES reads from dies with its index: a source deleted or closed mid-copy fails the whole
   * task (its stored result has `error`), it does not silently finish from a stale snapshot.
   */
  private checkSourcesStillThere(): void {
    for (const source of this.spec.sources) {
      const index = this.state.indices.get(source.index);
      if (index?.uuid === source.uuid && index.state === 'open') continue;
      throw new EsError(
        500,
        'search_phase_execution_exception',
        'all shards failed',
        { phase: 'query', grouped: true, failed_shards: [] },
        {
          type: 'search_context_missing_exception',
          reason: `No search context found for id [${source.uuid}]`,
        },
      );
    }
  }

  async run(): Promise<JsonObject> {
    const started = Date.now();
    const failures: Json[] = [];
    const fault = this.hooks.faults.failAfter(this.spec.sourceExpression);
    const queue = this.spec.sources.flatMap((s) => s.docs.map((doc) => ({ index: s.index, doc })));
    // The first search answers after the task is visible: until then its status says total 0, as ES's.
    await new Promise((resolve) => setImmediate(resolve));
    this.counters.total = this.plannedTotal;
    let processed = 0;
    let stop = false;
    while (!stop && processed < this.counters.total && this.cancelledReason === undefined) {
      this.checkSourcesStillThere();
      const batchStart = Date.now();
      const batch = queue.slice(processed, Math.min(processed + this.spec.batchSize, this.counters.total));
      for (const { doc } of batch) {
        try {
          if (fault && processed >= fault.docs) {
            throw new EsError(500, 'exception', fault.reason);
          }
          const result = writeDocument(
            this.state,
            {
              target: this.spec.dest,
              id: doc.id,
              source: doc.source,
              opType: this.spec.opType,
              pipeline: this.spec.pipeline,
              bytes: doc.bytes,
            },
            batchStart,
          );
          if (result.status === 201) this.counters.created++;
          else this.counters.updated++;
        } catch (err) {
          const e = toEsError(err);
          if (e.type === 'version_conflict_engine_exception') {
            this.counters.version_conflicts++;
            if (this.spec.conflictsProceed) {
              processed++;
              continue;
            }
          }
          failures.push({ index: this.spec.dest, id: doc.id, cause: e.toCause(), status: e.status });
          stop = true;
        }
        processed++;
      }
      this.counters.batches++;
      this.hooks.afterBatch();
      if (stop) break;
      // Yield even when unthrottled so HTTP requests (status, cancel) are served between batches.
      await new Promise((resolve) => setImmediate(resolve));
      if (processed < this.counters.total) await this.pause(batchStart, batch.length);
    }
    if (this.spec.refresh) {
      const dest = this.state.dataStreams.get(this.spec.dest);
      const names = dest ? dest.indices : [this.spec.dest];
      for (const name of names) this.state.indices.get(name)?.refresh();
    }
    const response: JsonObject = {
      took: Date.now() - started,
      timed_out: false,
      total: this.counters.total,
      updated: this.counters.updated,
      created: this.counters.created,
      deleted: 0,
      batches: this.counters.batches,
      version_conflicts: this.counters.version_conflicts,
      noops: 0,
      retries: { bulk: 0, search: 0 },
      throttled_millis: this.counters.throttled_millis,
      requests_per_second: this.rpsJson(),
    };
    if (this.cancelledReason !== undefined) response.canceled = this.cancelledReason;
    response.throttled_until_millis = 0;
    response.failures = failures;
    return response;
  }
}
