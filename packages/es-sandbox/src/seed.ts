import { illegalArgument } from './http/errors';
import type { JsonObject } from './http/json';
import type { ClusterState } from './state/cluster-state';
import { backingIndexMappings, createBackingIndex, createIndex } from './state/create-index';
import type { IndexStore } from './state/index-store';
import { putTemplate } from './api/templates';
import { SANDBOX_IDENTITY } from './version';

export interface SeedIndexContent {
  /** `index.version.created`; default 7170099 (7.17.0), i.e. an index that needs upgrading on 8.x. */
  versionCreated?: number;
  docCount: number;
  closed?: boolean;
  /** The first N documents get no `@timestamp` (possible in 7.x indices added to a data stream). */
  docsWithoutTimestamp?: number;
  /** Extra index settings (flat keys, e.g. `index.blocks.write: "true"`), applied after the documents. */
  settings?: Record<string, string>;
  /** Epoch ms or ISO date; drives `index.creation_date`, the backing index's date and document timestamps. */
  creationDate?: number | string;
}

export interface SeedDataStreamSpec {
  name: string;
  /** Oldest first; the last one becomes the write index. */
  backingIndices: SeedIndexContent[];
  /** A composable template body; default: `index_patterns: [name]`, `data_stream: {}`, priority 500. */
  template?: JsonObject;
}

export interface SeedIndexSpec extends SeedIndexContent {
  name: string;
  mappings?: JsonObject;
}

export interface SeededDataStream {
  name: string;
  template: string;
  /** Backing index names, oldest first (the last is the write index). */
  backingIndices: string[];
}

export interface SeededIndex {
  name: string;
  uuid: string;
}

const DAY_MS = 86_400_000;

export const SEED_MAPPINGS: JsonObject = {
  properties: { '@timestamp': { type: 'date' }, message: { type: 'text' }, n: { type: 'long' } },
};

/** Deterministic document ids so tests can compare `_id` sets across a migration. */
export function seedDocId(indexName: string, n: number): string {
  return `${indexName.replace(/^\.ds-/, '')}-${n}`;
}

function toEpoch(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw illegalArgument(`invalid creationDate [${String(value)}]`);
  return ms;
}

function fill(state: ClusterState, index: IndexStore, content: SeedIndexContent, createdMs: number): void {
  const missing = content.docsWithoutTimestamp ?? 0;
  for (let n = 0; n < content.docCount; n++) {
    const source: JsonObject =
      n < missing
        ? { message: `doc ${n} of ${index.name}`, n }
        : {
            '@timestamp': new Date(createdMs + n * 1000).toISOString(),
            message: `doc ${n} of ${index.name}`,
            n,
          };
    state.putDoc(
      index,
      {
        id: seedDocId(index.name, n),
        source,
        version: 1,
        seqNo: index.nextSeqNo(),
        bytes: JSON.stringify(source).length,
      },
      createdMs,
    );
  }
  index.refresh();
  for (const [key, value] of Object.entries(content.settings ?? {})) index.settings[key] = value;
  if (content.closed) index.state = 'close';
  state.changed();
}

function validateContent(content: SeedIndexContent): void {
  if (
    typeof content !== 'object' ||
    content === null ||
    !Number.isInteger(content.docCount) ||
    content.docCount < 0
  ) {
    throw illegalArgument('each seeded index needs a whole, non-negative [docCount]');
  }
}

export function seedDataStream(state: ClusterState, spec: SeedDataStreamSpec): SeededDataStream {
  if (typeof spec.name !== 'string' || !Array.isArray(spec.backingIndices)) {
    throw illegalArgument('a seeded data stream needs [name] and [backingIndices]');
  }
  spec.backingIndices.forEach(validateContent);
  if (spec.backingIndices.length === 0)
    throw illegalArgument('a seeded data stream needs at least one backing index');
  if (state.dataStreams.has(spec.name)) throw illegalArgument(`data stream [${spec.name}] already exists`);
  const templateName = `${spec.name}-template`;
  putTemplate(
    state,
    templateName,
    spec.template ?? {
      index_patterns: [spec.name],
      data_stream: {},
      priority: 500,
      template: { mappings: SEED_MAPPINGS },
    },
  );
  const template = state.templates.get(templateName);
  if (!template) throw illegalArgument(`template [${templateName}] was not stored`);
  const now = Date.now();
  const count = spec.backingIndices.length;
  const names: string[] = [];
  spec.backingIndices.forEach((content, i) => {
    const createdMs = toEpoch(content.creationDate, now - (count - 1 - i) * DAY_MS);
    const index = createBackingIndex(state, spec.name, i + 1, template, {
      versionCreated: content.versionCreated ?? SANDBOX_IDENTITY.INDEX_VERSION_7_17,
      creationDateMs: createdMs,
      mappings: backingIndexMappings(template),
    });
    names.push(index.name);
    fill(state, index, content, createdMs);
  });
  state.dataStreams.set(spec.name, {
    name: spec.name,
    indices: names,
    generation: count,
    template: templateName,
    hidden: false,
    allowCustomRouting: false,
  });
  state.changed();
  // A copy: the data stream keeps its own list, which rollovers and swaps change.
  return { name: spec.name, template: templateName, backingIndices: [...names] };
}

export function seedIndex(state: ClusterState, spec: SeedIndexSpec): SeededIndex {
  if (typeof spec.name !== 'string') throw illegalArgument('a seeded index needs a [name]');
  validateContent(spec);
  const createdMs = toEpoch(spec.creationDate, Date.now());
  const index = createIndex(state, spec.name, {
    versionCreated: spec.versionCreated ?? SANDBOX_IDENTITY.INDEX_VERSION_7_17,
    creationDateMs: createdMs,
    mappings: spec.mappings ?? SEED_MAPPINGS,
    skipTemplates: true,
  });
  fill(state, index, spec, createdMs);
  return { name: index.name, uuid: index.uuid };
}
