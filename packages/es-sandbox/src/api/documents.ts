import { text as jsonText } from '../http/json';
import { EsError, illegalArgument, indexClosed, indexNotFound, toEsError } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import { checkBlock } from '../state/blocks';
import type { ClusterState } from '../state/cluster-state';
import type { IndexStore } from '../state/index-store';
import { writeDocument, type OpType } from '../engine/write';

/**
 * `refresh=true` refreshes the touched indices before answering (and says `forced_refresh`);
 * `refresh=wait_for` answers only once a refresh made the writes searchable.
 */
async function applyRefresh(req: SandboxRequest, touched: Iterable<IndexStore>): Promise<boolean> {
  const refresh = req.query.get('refresh');
  if (refresh === null || refresh === 'false') return false;
  if (refresh !== '' && refresh !== 'true' && refresh !== 'wait_for') {
    throw illegalArgument(`Unknown value for refresh: [${refresh}].`);
  }
  if (refresh === 'wait_for') {
    await Promise.all([...touched].map((index) => index.whenRefreshed()));
    return false;
  }
  for (const index of touched) index.refresh();
  return true;
}

/** `if_seq_no` / `if_primary_term`, from the query string or a bulk item's metadata. */
function concurrencyParams(
  seqNo: unknown,
  primaryTerm: unknown,
): { ifSeqNo?: number; ifPrimaryTerm?: number } {
  const number = (value: unknown): number | undefined =>
    value === null || value === undefined || value === '' ? undefined : Number(value);
  return { ifSeqNo: number(seqNo), ifPrimaryTerm: number(primaryTerm) };
}

function opTypeParam(req: SandboxRequest, fallback: OpType): OpType {
  const raw = req.query.get('op_type');
  if (raw === null) return fallback;
  if (raw === 'index' || raw === 'create') return raw;
  throw illegalArgument(`opType must be 'create' or 'index', found: [${raw}]`);
}

async function singleWrite(
  state: ClusterState,
  req: SandboxRequest,
  id: string | undefined,
  opType: OpType,
): Promise<SandboxResponse> {
  const source = jsonBody(req, true) as JsonObject;
  const result = writeDocument(
    state,
    {
      target: req.params.index ?? '',
      id,
      source,
      opType,
      pipeline: req.query.get('pipeline') ?? undefined,
      ...concurrencyParams(req.query.get('if_seq_no'), req.query.get('if_primary_term')),
    },
    Date.now(),
  );
  const body = result.body;
  if (await applyRefresh(req, [result.index])) body.forced_refresh = true;
  return ok(body, result.status);
}

/** The one concrete index a document GET or DELETE addresses (a data stream name is refused like ES). */
function docIndex(state: ClusterState, name: string): IndexStore {
  const index = state.indices.get(name);
  if (!index) {
    if (state.dataStreams.has(name)) {
      throw illegalArgument(
        `index request targeting data stream [${name}] specifies a custom index; use a concrete backing index`,
      );
    }
    throw indexNotFound(name);
  }
  if (index.state === 'close') throw indexClosed(index.name, index.uuid);
  return index;
}

interface BulkAction {
  action: string;
  meta: JsonObject;
}

function parseBulkAction(line: string, lineNo: number): BulkAction {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new EsError(
      400,
      'x_content_parse_exception',
      `[${lineNo}:1] Malformed action/metadata line [${lineNo}], expected START_OBJECT`,
    );
  }
  if (!isObject(parsed)) {
    throw illegalArgument(
      `Malformed action/metadata line [${lineNo}], expected START_OBJECT but found [${typeof parsed}]`,
    );
  }
  const [action] = Object.keys(parsed);
  const meta = action === undefined ? undefined : parsed[action];
  if (action === undefined || !isObject(meta)) {
    throw illegalArgument(
      `Malformed action/metadata line [${lineNo}], expected a simple value for field [_index] but found [START_OBJECT]`,
    );
  }
  if (!['index', 'create', 'delete', 'update'].includes(action)) {
    throw illegalArgument(
      `Malformed action/metadata line [${lineNo}], expected field [create], [delete], [index] or [update] but found [${action}]`,
    );
  }
  return { action, meta };
}

async function bulk(state: ClusterState, req: SandboxRequest): Promise<SandboxResponse> {
  const started = Date.now();
  const text = req.rawBody.toString('utf8');
  const lines = text.split('\n');
  const items: JsonObject[] = [];
  const touched = new Set<IndexStore>();
  let errors = false;
  const defaultIndex = req.params.index;
  const defaultPipeline = req.query.get('pipeline') ?? undefined;
  if (text.trim() === '')
    throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const { action, meta } = parseBulkAction(line, i + 1);
    const target = typeof meta._index === 'string' ? meta._index : defaultIndex;
    const id = meta._id === undefined || meta._id === null ? undefined : jsonText(meta._id);
    let sourceLine: string | undefined;
    if (action !== 'delete') {
      sourceLine = lines[++i];
      if (sourceLine === undefined || sourceLine.trim() === '') {
        throw illegalArgument(`The bulk request must be terminated by a newline [\\n]`);
      }
    }
    let item: JsonObject;
    try {
      if (target === undefined)
        throw new EsError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: index is missing;',
        );
      if (action === 'delete') {
        if (id === undefined)
          throw new EsError(
            400,
            'action_request_validation_exception',
            'Validation Failed: 1: id is missing;',
          );
        item = deleteDoc(state, target, id).body as JsonObject;
        item.status = item.result === 'deleted' ? 200 : 404;
      } else if (action === 'update') {
        throw illegalArgument('the sandbox does not support bulk update actions');
      } else {
        let source: unknown;
        try {
          source = JSON.parse(sourceLine as string);
        } catch {
          throw new EsError(
            400,
            'document_parsing_exception',
            `[1:1] failed to parse: source is not valid JSON`,
          );
        }
        if (!isObject(source)) throw new EsError(400, 'document_parsing_exception', '[1:1] failed to parse');
        const pipeline = typeof meta.pipeline === 'string' ? meta.pipeline : defaultPipeline;
        const opType: OpType = action === 'create' || meta.op_type === 'create' ? 'create' : 'index';
        const result = writeDocument(
          state,
          {
            target,
            id,
            source,
            opType,
            pipeline,
            bytes: (sourceLine as string).length,
            ...concurrencyParams(meta.if_seq_no, meta.if_primary_term),
          },
          started,
        );
        touched.add(result.index);
        item = { ...result.body, status: result.status };
      }
    } catch (err) {
      const e = toEsError(err);
      errors = true;
      item = { _index: target ?? null, _id: id ?? null, status: e.status, error: e.toCause() };
    }
    items.push({ [action]: item });
  }
  const forced = await applyRefresh(req, touched);
  if (forced)
    for (const item of items)
      for (const v of Object.values(item)) if (isObject(v) && v.error === undefined) v.forced_refresh = true;
  return ok({ errors, took: Date.now() - started, items });
}

function deleteDoc(state: ClusterState, indexName: string, id: string): SandboxResponse {
  const index = docIndex(state, indexName);
  checkBlock(index.name, index.settings, 'write');
  const previous = index.live.get(id);
  const seqNo = index.nextSeqNo();
  state.deleteDoc(index, id, Date.now());
  return ok(
    {
      _index: index.name,
      _id: id,
      _version: (previous?.version ?? 0) + 1,
      result: previous ? 'deleted' : 'not_found',
      _shards: { total: 1 + index.replicas(), successful: 1, failed: 0 },
      _seq_no: seqNo,
      _primary_term: 1,
    },
    previous ? 200 : 404,
  );
}

export function registerDocuments(router: Router, state: ClusterState): void {
  router
    .add('POST', '/{index}/_doc', (req) => singleWrite(state, req, undefined, 'create'))
    .add(['PUT', 'POST'], '/{index}/_doc/{id}', (req) =>
      singleWrite(state, req, req.params.id, opTypeParam(req, 'index')),
    )
    .add(['PUT', 'POST'], '/{index}/_create/{id}', (req) => singleWrite(state, req, req.params.id, 'create'))
    .add(['POST', 'PUT'], '/_bulk', (req) => bulk(state, req))
    .add(['POST', 'PUT'], '/{index}/_bulk', (req) => bulk(state, req))
    .add('DELETE', '/{index}/_doc/{id}', async (req) => {
      const res = deleteDoc(state, req.params.index ?? '', req.params.id ?? '');
      const touched = state.indices.get(req.params.index ?? '');
      if (touched) await applyRefresh(req, [touched]);
      return res;
    })
    .add(['GET', 'HEAD'], '/{index}/_doc/{id}', (req) => {
      const index = docIndex(state, req.params.index ?? '');
      checkBlock(index.name, index.settings, 'read');
      const doc = index.live.get(req.params.id ?? '');
      if (req.method === 'HEAD') return { status: doc ? 200 : 404 };
      if (!doc) return ok({ _index: index.name, _id: req.params.id, found: false }, 404);
      return ok({
        _index: index.name,
        _id: doc.id,
        _version: doc.version,
        _seq_no: doc.seqNo,
        _primary_term: 1,
        found: true,
        _source: doc.source,
      });
    });
}
