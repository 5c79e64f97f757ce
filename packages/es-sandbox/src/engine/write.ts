import { randomBytes } from 'node:crypto';
import { EsError, illegalArgument, indexClosed, indexNotFound } from '../http/errors';
import type { JsonObject } from '../http/request';
import { aliasExists, writeIndexOfAlias } from '../state/aliases';
import { checkBlock } from '../state/blocks';
import type { ClusterState } from '../state/cluster-state';
import { createIndex, findTemplate } from '../state/create-index';
import { createDataStream } from '../state/data-stream-ops';
import type { IndexStore } from '../state/index-store';
import { runPipeline } from './ingest';

export type OpType = 'index' | 'create';

export interface WriteRequest {
  target: string;
  id?: string;
  source: JsonObject;
  opType: OpType;
  /** Explicit `pipeline` parameter; undefined falls back to the index's default_pipeline. */
  pipeline?: string;
  /** Serialised size if the caller already has it (bulk lines), to avoid serialising twice. */
  bytes?: number;
  /** Optimistic concurrency: write only over the document with this sequence number and term. */
  ifSeqNo?: number;
  ifPrimaryTerm?: number;
}

export interface WriteResult {
  status: number;
  index: IndexStore;
  body: JsonObject;
}

/** ES's auto-generated ids are 20 url-safe base64 characters. */
export function autoId(): string {
  return randomBytes(15).toString('base64url');
}

/** Where a write to `target` goes: a data stream's write index, an index, or a new one. */
function resolveWriteTarget(
  state: ClusterState,
  target: string,
  opType: OpType,
  explicitId: boolean,
  concurrencyControlled: boolean,
): IndexStore {
  const ds = state.dataStreams.get(target);
  if (ds) {
    if (opType !== 'create')
      throw illegalArgument('only write ops with an op_type of create are allowed in data streams');
    const write = state.writeIndexOf(ds);
    if (!write) throw indexNotFound(target);
    return write;
  }
  const index = state.indices.get(target);
  if (index) {
    // A backing index by name takes only updates of documents it holds (if_seq_no + if_primary_term);
    // new documents go through the data stream, so that they land in its write index.
    const owner = state.dataStreamOf(index.name);
    if (owner && opType === 'create')
      throw illegalArgument(
        `index request with op_type=create targeting backing indices is disallowed, target corresponding data stream [${owner.name}] instead`,
      );
    if (owner && !concurrencyControlled)
      throw illegalArgument(
        `index request with op_type=index and no if_primary_term and if_seq_no set targeting backing indices is disallowed, target corresponding data stream [${owner.name}] instead`,
      );
    return index;
  }
  if (aliasExists(state, target)) return writeIndexOfAlias(state, target);
  if (target.includes('*') || target.includes(',')) throw indexNotFound(target);
  const template = findTemplate(state, target);
  if (template?.dataStream) {
    if (opType !== 'create' && explicitId) {
      throw illegalArgument('only write ops with an op_type of create are allowed in data streams');
    }
    const created = createDataStream(state, target);
    const write = state.writeIndexOf(created);
    if (!write) throw indexNotFound(target);
    return write;
  }
  return createIndex(state, target);
}

/** ES reports the parser position at the end of the document, wrapping the mapper's own message. */
function timestampMissing(sourceLength: number): EsError {
  const reason = 'data stream timestamp field [@timestamp] is missing';
  return new EsError(
    400,
    'document_parsing_exception',
    `[1:${sourceLength}] failed to parse: ${reason}`,
    {},
    { type: 'illegal_argument_exception', reason },
  );
}

/** Indexes one document the way a single `_doc`/`_create` call or one bulk item does. */
export function writeDocument(state: ClusterState, req: WriteRequest, nowMs: number): WriteResult {
  const implicitCreate = req.id === undefined;
  const index = resolveWriteTarget(
    state,
    req.target,
    implicitCreate ? 'create' : req.opType,
    !implicitCreate,
    req.ifSeqNo !== undefined && req.ifPrimaryTerm !== undefined,
  );
  if (index.state === 'close') throw indexClosed(index.name, index.uuid);
  checkBlock(index.name, index.settings, 'write');

  let source = req.source;
  let bytes = req.bytes;
  const pipeline = req.pipeline ?? index.settings['index.default_pipeline'];
  if (pipeline !== undefined && pipeline !== '_none') {
    source = runPipeline(state, pipeline, source);
    bytes = undefined;
  }
  const ds = state.dataStreamOf(index.name);
  if (ds && (source['@timestamp'] === undefined || source['@timestamp'] === null))
    throw timestampMissing(bytes ?? JSON.stringify(source).length);

  const id = req.id ?? autoId();
  const existing = index.live.get(id);
  if (existing && req.opType === 'create') {
    index.indexing.failed += 1;
    throw new EsError(
      409,
      'version_conflict_engine_exception',
      `[${id}]: version conflict, document already exists (current version [${existing.version}])`,
      {
        index_uuid: index.uuid,
        shard: '0',
        index: index.name,
      },
    );
  }
  if (req.ifSeqNo !== undefined || req.ifPrimaryTerm !== undefined) {
    const required = `required seqNo [${req.ifSeqNo ?? -2}], primary term [${req.ifPrimaryTerm ?? 0}]`;
    if (!existing || existing.seqNo !== req.ifSeqNo || req.ifPrimaryTerm !== index.primaryTerm) {
      index.indexing.failed += 1;
      throw new EsError(
        409,
        'version_conflict_engine_exception',
        existing
          ? `[${id}]: version conflict, ${required}. current document has seqNo [${existing.seqNo}] and primary term [${index.primaryTerm}]`
          : `[${id}]: version conflict, ${required}. but no document was found`,
        { index_uuid: index.uuid, shard: '0', index: index.name },
      );
    }
  }
  const version = existing ? existing.version + 1 : 1;
  const seqNo = index.nextSeqNo();
  state.putDoc(index, { id, source, version, seqNo, bytes: bytes ?? JSON.stringify(source).length }, nowMs);
  const replicas = index.replicas();
  return {
    status: existing ? 200 : 201,
    index,
    body: {
      _index: index.name,
      _id: id,
      _version: version,
      result: existing ? 'updated' : 'created',
      _shards: { total: 1 + replicas, successful: 1, failed: 0 },
      _seq_no: seqNo,
      _primary_term: 1,
    },
  };
}
