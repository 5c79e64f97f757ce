import type { JsonObject } from '../http/request';
import type { FlatSettings } from './settings';
import { AliasMap } from './lookup-maps';

export interface StoredDoc {
  id: string;
  source: JsonObject;
  version: number;
  seqNo: number;
  /** Serialised size, for store.size_in_bytes. */
  bytes: number;
}

export type IndexState = 'open' | 'close';

/**
 * One index: metadata plus documents. Writes land in `live` (what GET by id sees, like ES's realtime
 * get) and in `pending`; a refresh moves pending changes into `searchable`, which search, count and
 * stats read. That is how ES makes documents visible only after a refresh.
 */
export class IndexStore {
  state: IndexState = 'open';
  /** Its aliases by name, as Elasticsearch keeps them in the index's metadata (gone with the index). */
  readonly aliases = new AliasMap();
  readonly live = new Map<string, StoredDoc>();
  readonly searchable = new Map<string, StoredDoc>();
  private readonly pending = new Map<string, StoredDoc | null>();
  private pendingSinceMs = 0;
  /** `refresh=wait_for` requests parked until the next refresh makes their writes searchable. */
  private refreshWaiters: Array<() => void> = [];
  private scheduledRefresh: NodeJS.Timeout | undefined;
  private seqNo = 0;
  liveBytes = 0;
  searchableBytes = 0;
  /**
   * Elasticsearch's `indexing` stats: documents written (`index_total`) and writes refused with a version
   * conflict (`index_failed`) since this process started; neither needs a refresh, and a log replayed at
   * start counts in neither (a node's counters start at 0 when it restarts).
   */
  readonly indexing = { total: 0, failed: 0 };

  constructor(
    readonly name: string,
    readonly uuid: string,
    public settings: FlatSettings,
    public mappings: JsonObject,
  ) {}

  get primaryTerm(): number {
    return 1;
  }

  nextSeqNo(): number {
    return this.seqNo++;
  }

  /** Restores the sequence counter after replaying a log. */
  bumpSeqNo(seen: number): void {
    if (seen >= this.seqNo) this.seqNo = seen + 1;
  }

  put(doc: StoredDoc, nowMs: number): void {
    const previous = this.live.get(doc.id);
    if (previous) this.liveBytes -= previous.bytes;
    this.live.set(doc.id, doc);
    this.liveBytes += doc.bytes;
    this.markPending(doc.id, doc, nowMs);
  }

  delete(id: string, nowMs: number): StoredDoc | undefined {
    const previous = this.live.get(id);
    if (!previous) return undefined;
    this.live.delete(id);
    this.liveBytes -= previous.bytes;
    this.markPending(id, null, nowMs);
    return previous;
  }

  private markPending(id: string, doc: StoredDoc | null, nowMs: number): void {
    if (this.pending.size === 0) this.pendingSinceMs = nowMs;
    this.pending.set(id, doc);
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  refresh(): void {
    for (const [id, doc] of this.pending) {
      const previous = this.searchable.get(id);
      if (previous) this.searchableBytes -= previous.bytes;
      if (doc === null) {
        this.searchable.delete(id);
      } else {
        this.searchable.set(id, doc);
        this.searchableBytes += doc.bytes;
      }
    }
    this.pending.clear();
    const waiters = this.refreshWaiters;
    this.refreshWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Resolves once everything written so far is searchable, as `refresh=wait_for` waits: for the
   * scheduled refresh, or for an explicit one. With `refresh_interval: -1` only an explicit refresh
   * comes, so the request waits until then, however long, as on a real node.
   */
  whenRefreshed(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.refreshWaiters.push(resolve);
      const interval = this.refreshIntervalMs();
      if (interval < 0 || this.scheduledRefresh !== undefined) return;
      this.scheduledRefresh = setTimeout(
        () => {
          this.scheduledRefresh = undefined;
          this.refresh();
        },
        Math.max(0, this.pendingSinceMs + interval - Date.now()),
      );
      this.scheduledRefresh.unref();
    });
  }

  /** `refresh_interval` in ms; -1 means never refresh on a schedule. */
  refreshIntervalMs(): number {
    const raw = this.settings['index.refresh_interval'] ?? '1s';
    const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
    if (!match) return 1000;
    const n = Number(match[1]);
    if (n < 0) return -1;
    const unit = match[2] ?? 'ms';
    return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit] ?? 1);
  }

  /**
   * The scheduled refresh, applied lazily when someone reads: the outcome a reader can observe is the
   * same as a timer's (changes older than the interval are visible), with no timers to manage.
   */
  maybeScheduledRefresh(nowMs: number): void {
    if (this.pending.size === 0) return;
    const interval = this.refreshIntervalMs();
    if (interval >= 0 && nowMs - this.pendingSinceMs >= interval) this.refresh();
  }

  isHidden(): boolean {
    return this.settings['index.hidden'] === 'true';
  }

  replicas(): number {
    return Number(this.settings['index.number_of_replicas'] ?? '1');
  }

  shards(): number {
    return Number(this.settings['index.number_of_shards'] ?? '1');
  }
}
