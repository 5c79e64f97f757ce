import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, text, type JsonObject } from './http/json';
import type { ChangeJournal, ClusterState, DataStreamMeta, IndexTemplate } from './state/cluster-state';
import type { AliasMeta } from './state/aliases';
import { IndexStore, type StoredDoc } from './state/index-store';
import type { FlatSettings } from './state/settings';

const LOG_FILE = 'sandbox-journal.ndjson';

interface MetaSnapshot {
  indices: Array<{
    name: string;
    uuid: string;
    settings: FlatSettings;
    mappings: JsonObject;
    state: 'open' | 'close';
    /** Absent in journals written before the sandbox kept aliases. */
    aliases?: Array<[string, AliasMeta]>;
  }>;
  dataStreams: DataStreamMeta[];
  templates: IndexTemplate[];
  pipelines: Array<[string, JsonObject]>;
  persistent: FlatSettings;
  transient: FlatSettings;
  taskResults: Array<[string, JsonObject]>;
  nextTaskNumber: number;
}

function snapshotOf(state: ClusterState): MetaSnapshot {
  return {
    indices: [...state.indices.values()].map((i) => ({
      name: i.name,
      uuid: i.uuid,
      settings: i.settings,
      mappings: i.mappings,
      state: i.state,
      aliases: [...i.aliases],
    })),
    dataStreams: [...state.dataStreams.values()],
    templates: [...state.templates.values()],
    pipelines: [...state.pipelines],
    persistent: state.persistentSettings,
    transient: state.transientSettings,
    taskResults: [...state.taskResults],
    nextTaskNumber: state.nextTaskNumber,
  };
}

function docLine(uuid: string, doc: StoredDoc): string {
  return JSON.stringify({
    t: 'doc',
    u: uuid,
    id: doc.id,
    v: doc.version,
    q: doc.seqNo,
    b: doc.bytes,
    s: doc.source,
  });
}

/**
 * An append-only journal: document writes and deletes as they happen, and a metadata snapshot after
 * any metadata change. Lines are buffered during a request and appended (write(2), no fsync) before the
 * sandbox answers, so an acknowledged change survives a process restart but not a power cut.
 * Opening replays the journal and rewrites it compacted (one snapshot plus live documents).
 */
export class Persistence implements ChangeJournal {
  private buffer: string[] = [];
  private metaDirty = false;
  private scheduled = false;
  private readonly file: string;

  constructor(
    dir: string,
    private readonly state: ClusterState,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, LOG_FILE);
  }

  /** Replays the journal into the (empty) state, then compacts it. */
  load(): void {
    if (existsSync(this.file)) {
      const docs = new Map<string, Map<string, StoredDoc>>();
      let meta: MetaSnapshot | undefined;
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        if (line === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          continue; // a torn last line from a crash mid-append
        }
        if (!isObject(record)) continue;
        if (record.t === 'meta') meta = record.m as unknown as MetaSnapshot;
        else if (record.t === 'doc' || record.t === 'del') {
          const uuid = text(record.u);
          let byId = docs.get(uuid);
          if (!byId) docs.set(uuid, (byId = new Map<string, StoredDoc>()));
          if (record.t === 'del') byId.delete(text(record.id));
          else {
            const source = record.s;
            byId.set(text(record.id), {
              id: text(record.id),
              version: Number(record.v),
              seqNo: Number(record.q),
              bytes: Number(record.b),
              source: isObject(source) ? source : {},
            });
          }
        }
      }
      if (meta) this.restore(meta, docs);
    }
    this.compact();
    this.state.journal = this;
  }

  private restore(meta: MetaSnapshot, docs: Map<string, Map<string, StoredDoc>>): void {
    for (const m of meta.indices) {
      const index = new IndexStore(m.name, m.uuid, m.settings, m.mappings);
      index.state = m.state;
      for (const [alias, meta] of m.aliases ?? []) index.aliases.set(alias, meta);
      for (const doc of docs.get(m.uuid)?.values() ?? []) {
        index.put(doc, 0);
        index.bumpSeqNo(doc.seqNo);
      }
      // After a restart ES has committed (so searchable) everything that was acknowledged.
      index.refresh();
      this.state.indices.set(m.name, index);
    }
    for (const ds of meta.dataStreams) this.state.dataStreams.set(ds.name, ds);
    for (const t of meta.templates) this.state.templates.set(t.name, t);
    for (const [id, p] of meta.pipelines) this.state.pipelines.set(id, p);
    Object.assign(this.state.persistentSettings, meta.persistent);
    // Transient cluster settings do not survive a full cluster restart in ES; neither do they here.
    for (const [id, r] of meta.taskResults) this.state.taskResults.set(id, r);
    this.state.nextTaskNumber = meta.nextTaskNumber;
  }

  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const lines: string[] = [JSON.stringify({ t: 'meta', m: snapshotOf(this.state) })];
    for (const index of this.state.indices.values()) {
      for (const doc of index.live.values()) lines.push(docLine(index.uuid, doc));
    }
    writeFileSync(tmp, lines.join('\n') + '\n');
    renameSync(tmp, this.file);
  }

  docPut(indexUuid: string, doc: StoredDoc): void {
    this.buffer.push(docLine(indexUuid, doc));
    this.schedule();
  }

  docDelete(indexUuid: string, id: string): void {
    this.buffer.push(JSON.stringify({ t: 'del', u: indexUuid, id }));
    this.schedule();
  }

  metadataChanged(): void {
    this.metaDirty = true;
    this.schedule();
  }

  /** Background changes (a reindex batch, a finished task) reach the disk without a request to flush them. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.metaDirty) {
      this.buffer.push(JSON.stringify({ t: 'meta', m: snapshotOf(this.state) }));
      this.metaDirty = false;
    }
    if (this.buffer.length === 0) return;
    appendFileSync(this.file, this.buffer.join('\n') + '\n');
    this.buffer = [];
  }
}
