import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../http/request';
import { IndexStore, type StoredDoc } from './index-store';
import type { FlatSettings } from './settings';
import { AliasRegistry, DataStreamMap, IndexMap } from './lookup-maps';

export interface DataStreamMeta {
  name: string;
  /** Backing index names, oldest first; the last one is the write index. */
  indices: string[];
  generation: number;
  template: string;
  hidden: boolean;
  allowCustomRouting: boolean;
}

export interface IndexTemplate {
  name: string;
  indexPatterns: string[];
  priority: number;
  dataStream?: JsonObject;
  template: JsonObject;
  composedOf: string[];
  version?: number;
  meta?: JsonObject;
}

/** Receives every acknowledged change; the persistence layer implements it. */
export interface ChangeJournal {
  docPut(indexUuid: string, doc: StoredDoc): void;
  docDelete(indexUuid: string, id: string): void;
  metadataChanged(): void;
}

/** ES-style random ids: 22 url-safe base64 characters, like an index uuid. */
export function randomUuid(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** Everything the cluster knows. Handlers mutate it; `journal` hears about each change. */
export class ClusterState {
  /** Which alias names the cluster's indices hold, kept by `indices` and the indices' alias maps. */
  readonly aliasNames = new AliasRegistry();
  readonly indices = new IndexMap<IndexStore>(this.aliasNames);
  /** With the data stream of each backing index; a stored data stream's `indices` changed in place says so. */
  readonly dataStreams = new DataStreamMap<DataStreamMeta>();
  readonly templates = new Map<string, IndexTemplate>();
  readonly pipelines = new Map<string, JsonObject>();
  readonly persistentSettings: FlatSettings = {};
  readonly transientSettings: FlatSettings = {};
  /** Stored results of finished tasks, keyed by task id, as ES keeps them in `.tasks`. */
  readonly taskResults = new Map<string, JsonObject>();
  nextTaskNumber = 1;
  journal?: ChangeJournal;

  clear(): void {
    this.indices.clear();
    this.dataStreams.clear();
    this.templates.clear();
    this.pipelines.clear();
    this.taskResults.clear();
    for (const key of Object.keys(this.persistentSettings)) delete this.persistentSettings[key];
    for (const key of Object.keys(this.transientSettings)) delete this.transientSettings[key];
    this.changed();
  }

  changed(): void {
    this.journal?.metadataChanged();
  }

  /** The data stream an index backs, if any. */
  dataStreamOf(indexName: string): DataStreamMeta | undefined {
    return this.dataStreams.ownerOf(indexName);
  }

  writeIndexOf(ds: DataStreamMeta): IndexStore | undefined {
    const name = ds.indices[ds.indices.length - 1];
    return name === undefined ? undefined : this.indices.get(name);
  }

  /** Transient wins over persistent, as in ES. */
  clusterSetting(key: string): string | undefined {
    return this.transientSettings[key] ?? this.persistentSettings[key];
  }

  putDoc(index: IndexStore, doc: StoredDoc, nowMs: number): void {
    index.put(doc, nowMs);
    index.indexing.total += 1;
    this.journal?.docPut(index.uuid, doc);
  }

  deleteDoc(index: IndexStore, id: string, nowMs: number): StoredDoc | undefined {
    const removed = index.delete(id, nowMs);
    if (removed) this.journal?.docDelete(index.uuid, id);
    return removed;
  }
}
