import { EsError, illegalArgument, resourceAlreadyExists } from '../http/errors';
import type { ClusterState, DataStreamMeta } from './cluster-state';
import { createBackingIndex, findTemplate, validateIndexName, type CreateIndexOptions } from './create-index';

/** ES's data stream naming rules beyond index-name rules. */
function validateDataStreamName(name: string): void {
  if (name.startsWith('.ds-')) {
    throw illegalArgument(`data_stream [${name}] must not start with '.ds-'`);
  }
  validateIndexName(name);
}

/** `PUT /_data_stream/<name>` and auto-create on first write both come here. */
export function createDataStream(
  state: ClusterState,
  name: string,
  firstIndex: CreateIndexOptions = {},
): DataStreamMeta {
  validateDataStreamName(name);
  if (state.dataStreams.has(name)) throw resourceAlreadyExists(`data_stream [${name}] already exists`);
  if (state.indices.has(name)) {
    const existing = state.indices.get(name);
    throw new EsError(
      400,
      'resource_already_exists_exception',
      `index [${name}/${existing?.uuid ?? ''}] already exists`,
      {
        index_uuid: existing?.uuid ?? '_na_',
        index: name,
      },
    );
  }
  const template = findTemplate(state, name);
  if (!template) throw illegalArgument(`no matching index template found for data stream [${name}]`);
  if (!template.dataStream) {
    throw illegalArgument(
      `matching index template [${template.name}] for data stream [${name}] has no data stream template`,
    );
  }
  const index = createBackingIndex(state, name, 1, template, firstIndex);
  const ds: DataStreamMeta = {
    name,
    indices: [index.name],
    generation: 1,
    template: template.name,
    hidden: template.dataStream.hidden === true,
    allowCustomRouting: template.dataStream.allow_custom_routing === true,
  };
  state.dataStreams.set(name, ds);
  state.changed();
  return ds;
}

export interface RolloverResult {
  oldIndex: string;
  newIndex: string;
}

/** Unconditional rollover: a new write index with the next generation. */
export function rolloverDataStream(state: ClusterState, ds: DataStreamMeta, dryRun: boolean): RolloverResult {
  const template = state.templates.get(ds.template) ?? findTemplate(state, ds.name);
  if (!template?.dataStream) {
    throw illegalArgument(`no matching index template found for data stream [${ds.name}]`);
  }
  const oldIndex = ds.indices[ds.indices.length - 1] ?? '';
  if (dryRun) {
    return { oldIndex, newIndex: predictBackingName(ds) };
  }
  const index = createBackingIndex(state, ds.name, ds.generation + 1, template);
  const generation = Number(index.name.slice(-6));
  ds.generation = generation;
  ds.indices.push(index.name);
  state.dataStreams.indexAdded(ds, index.name);
  state.changed();
  return { oldIndex, newIndex: index.name };
}

function predictBackingName(ds: DataStreamMeta): string {
  const d = new Date();
  const p = (n: number, w: number): string => String(n).padStart(w, '0');
  return `.ds-${ds.name}-${d.getUTCFullYear()}.${p(d.getUTCMonth() + 1, 2)}.${p(d.getUTCDate(), 2)}-${p(ds.generation + 1, 6)}`;
}
