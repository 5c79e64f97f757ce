import { text } from '../http/json';
import { EsError, illegalArgument } from '../http/errors';
import {
  isObject,
  jsonBody,
  ok,
  queryBool,
  type JsonObject,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import { resolveIndices, resolveOptions } from '../state/resolve';
import { indexClosed } from '../http/errors';
import { compileQuery } from '../engine/query';
import { ReindexJob, type ReindexFaultHook } from '../engine/reindex';
import type { TaskManager } from '../engine/tasks';

export interface ReindexDeps {
  state: ClusterState;
  tasks: TaskManager;
  faults: ReindexFaultHook;
  afterBatch: () => void;
}

/** `requests_per_second`: a positive float, or -1 / unset for unthrottled. */
export function parseRps(raw: string | null): number {
  if (raw === null || raw === '' || raw === '-1' || raw === '-1.0') return Infinity;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      `Validation Failed: 1: [requests_per_second] must be a float greater than 0. Use -1 to disable throttling.;`,
    );
  }
  return n;
}

const jobs = new WeakMap<TaskManager, Map<string, ReindexJob>>();

function jobsOf(tasks: TaskManager): Map<string, ReindexJob> {
  let map = jobs.get(tasks);
  if (!map) {
    map = new Map();
    jobs.set(tasks, map);
  }
  return map;
}

async function reindex(deps: ReindexDeps, req: SandboxRequest): Promise<SandboxResponse> {
  const body = jsonBody(req, true) as JsonObject;
  const source = isObject(body.source) ? body.source : undefined;
  const dest = isObject(body.dest) ? body.dest : undefined;
  const problems: string[] = [];
  const sourceIndex = source?.index;
  const sourceExpression = Array.isArray(sourceIndex)
    ? sourceIndex.map(String).join(',')
    : typeof sourceIndex === 'string'
      ? sourceIndex
      : '';
  if (sourceExpression === '') problems.push('use _all if you really want to copy from all existing indexes');
  if (!dest || typeof dest.index !== 'string') problems.push('index must be specified');
  if (problems.length > 0) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
    );
  }
  const destName = text(dest?.index);
  const opTypeRaw = dest?.op_type ?? 'index';
  if (opTypeRaw !== 'index' && opTypeRaw !== 'create')
    throw illegalArgument(`opType must be 'create' or 'index', found: [${text(opTypeRaw)}]`);
  const conflicts = body.conflicts ?? 'abort';
  if (conflicts !== 'abort' && conflicts !== 'proceed') {
    throw illegalArgument(`conflicts may only be "proceed" or "abort" but was [${text(conflicts)}]`);
  }
  const slices = req.query.get('slices');
  if (slices !== null && slices !== 'auto' && !(Number(slices) >= 1)) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      `Validation Failed: 1: slices must be greater than 0 or [auto];`,
    );
  }
  const rps = parseRps(req.query.get('requests_per_second'));
  const sources = resolveIndices(deps.state, sourceExpression, resolveOptions(req));
  if (
    sources.some((s) => s.name === destName) ||
    deps.state.dataStreams.get(destName)?.indices.some((n) => sources.some((s) => s.name === n))
  ) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      `Validation Failed: 1: reindex cannot write into an index its reading from [${destName}];`,
    );
  }
  const predicate = compileQuery(source?.query);
  const now = Date.now();
  for (const index of sources) {
    if (index.state === 'close') throw indexClosed(index.name, index.uuid);
    index.maybeScheduledRefresh(now);
  }
  const maxDocsRaw = body.max_docs ?? body.size ?? req.query.get('max_docs');
  const job = new ReindexJob(
    deps.state,
    {
      // The search side is a point-in-time view: only refreshed documents, frozen at the start.
      sources: sources.map((s) => ({
        index: s.name,
        uuid: s.uuid,
        docs: [...s.searchable.values()].filter(predicate),
      })),
      sourceExpression,
      dest: destName,
      opType: opTypeRaw,
      pipeline: typeof dest?.pipeline === 'string' ? dest.pipeline : undefined,
      conflictsProceed: conflicts === 'proceed',
      batchSize: typeof source?.size === 'number' ? source.size : 1000,
      maxDocs: maxDocsRaw === undefined || maxDocsRaw === null ? Infinity : Number(maxDocsRaw),
      requestsPerSecond: rps,
      refresh: queryBool(req, 'refresh', false),
    },
    { faults: deps.faults, afterBatch: deps.afterBatch },
  );
  const waitForCompletion = queryBool(req, 'wait_for_completion', true);
  const task = deps.tasks.start(job, !waitForCompletion, () => job.run());
  const registry = jobsOf(deps.tasks);
  registry.set(task.id, job);
  void task.done.finally(() => registry.delete(task.id));
  if (!waitForCompletion) return ok({ task: task.id });
  const result = await task.done;
  if (isObject(result.error)) {
    const { type, reason, ...extra } = result.error;
    throw new EsError(500, text(type), text(reason), extra);
  }
  const response = result.response as JsonObject;
  return ok(response, reindexStatus(response));
}

/**
 * The HTTP status of a synchronous `_reindex`, as the reindex module's REST listener computes it: the
 * highest status among the failures (409 conflict, 403 block, 400 mapping, ...), 408 when it timed out,
 * else 200. The body is the full response either way.
 */
function reindexStatus(response: JsonObject): number {
  let status = response.timed_out === true ? 408 : 200;
  for (const failure of Array.isArray(response.failures) ? response.failures : []) {
    if (isObject(failure) && typeof failure.status === 'number') status = Math.max(status, failure.status);
  }
  return status;
}

export function registerReindex(router: Router, deps: ReindexDeps): void {
  router
    .add('POST', '/_reindex', (req) => reindex(deps, req))
    .add('POST', '/_reindex/{task}/_rethrottle', (req) => {
      const raw = req.query.get('requests_per_second');
      if (raw === null) {
        throw new EsError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: requests_per_second is a required parameter;',
        );
      }
      const rps = parseRps(raw);
      const id = req.params.task ?? '';
      const task = deps.tasks.find(id);
      if (!task) return ok(deps.tasks.unknownTaskBody(id, 'is missing'));
      jobsOf(deps.tasks).get(task.id)?.rethrottle(rps);
      return ok(deps.tasks.nodesBody([task], true));
    });
}
