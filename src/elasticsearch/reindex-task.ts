import type { Client } from '@elastic/elasticsearch';
import { isNotFound } from './errors';
import { isFloodStageBlock } from './flood-stage-block';
import type { TasksGetResponse, TasksTaskInfo } from '@elastic/elasticsearch/lib/api/types';

/** Counters of a reindex task, from its running status or its final response. */
export interface ReindexCounters {
  total: number;
  created: number;
  updated: number;
  versionConflicts: number;
  noops: number;
}

/** What a `GET /_tasks/<id>` says about a reindex task, reduced to what the copy decides on. */
export type ReindexTaskState =
  | { kind: 'running'; counters: ReindexCounters }
  | { kind: 'succeeded'; counters: ReindexCounters }
  | { kind: 'failed'; message: string; counters: ReindexCounters }
  /** Ended short because a node left (a source or destination shard, or the scroll, went with it). */
  | { kind: 'interrupted'; message: string; counters: ReindexCounters }
  /** Ended short because the destination (or its node) passed the flood-stage watermark: resumes once released. */
  | { kind: 'disk-blocked'; message: string; counters: ReindexCounters }
  | { kind: 'cancelled'; reason: string; counters: ReindexCounters };

/**
 * What Elasticsearch reports when a node that held a shard of the copy left the cluster: the search on
 * the source loses its scroll or its shard (`node_not_connected_exception`, seen on a real three-node
 * 8.19.21; `no_shard_available_action_exception`, `search_context_missing_exception`), or a bulk into the
 * destination finds no active primary (`unavailable_shards_exception` "primary shard is not active",
 * after a minute). None of them is an answer about the data: once the shard is back, a copy resumes.
 */
const SHARD_LOSS_TYPES = new Set([
  'node_not_connected_exception',
  'node_disconnected_exception',
  'node_closed_exception',
  'connect_transport_exception',
  'no_shard_available_action_exception',
  'unavailable_shards_exception',
  'search_context_missing_exception',
  'shard_not_found_exception',
  'no_node_available_exception',
]);

/** Every `type` in an error or failure and its causes (`reason`, `cause`, `caused_by`, `root_cause`). */
function typesIn(value: unknown, depth = 0): string[] {
  if (depth > 6 || typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = typeof record.type === 'string' ? [record.type] : [];
  const nested = ['reason', 'cause', 'caused_by', 'error'].flatMap((key) => typesIn(record[key], depth + 1));
  const roots = Array.isArray(record.root_cause)
    ? record.root_cause.flatMap((entry) => typesIn(entry, depth + 1))
    : [];
  return [...own, ...nested, ...roots];
}

/** Whether a failure (or a task's error) was a lost shard or node rather than an answer about the data. */
export function isShardLoss(failure: unknown): boolean {
  return typesIn(failure).some((type) => SHARD_LOSS_TYPES.has(type));
}

function numberField(source: Record<string, unknown>, name: string): number {
  const value = source[name];
  return typeof value === 'number' ? value : 0;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function countersOf(source: unknown): ReindexCounters {
  const record = asRecord(source);
  return {
    total: numberField(record, 'total'),
    created: numberField(record, 'created'),
    updated: numberField(record, 'updated'),
    versionConflicts: numberField(record, 'version_conflicts'),
    noops: numberField(record, 'noops'),
  };
}

/**
 * Documents the task has dealt with. Documents already in the destination (a resumed copy writes with
 * `op_type: create`) come back as version conflicts: they are copied, just not by this task.
 */
export function processedDocuments(counters: ReindexCounters): number {
  return counters.created + counters.updated + counters.versionConflicts + counters.noops;
}

function reasonText(value: unknown): string {
  const record = asRecord(value);
  return typeof record.reason === 'string' ? record.reason : JSON.stringify(value);
}

/**
 * Elasticsearch's own wording (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 7): a bulk item failure is a failure loading data into
 * the destination; any other (search) failure is a failure reading the source.
 */
export function copyFailureMessage(sourceIndex: string, destinationIndex: string, failure: unknown): string {
  const record = asRecord(failure);
  if ('cause' in record) {
    return `Failure loading data from ${sourceIndex} into ${destinationIndex} caused by ${reasonText(record.cause)}`;
  }
  return `Failure reading data from ${sourceIndex} caused by ${reasonText(record.reason ?? failure)}`;
}

export function reindexTaskState(
  task: TasksGetResponse,
  sourceIndex: string,
  destinationIndex: string,
): ReindexTaskState {
  if (!task.completed) return { kind: 'running', counters: countersOf(task.task.status) };
  const response = asRecord(task.response);
  const counters = countersOf(task.response ?? task.task.status);
  if (task.error) {
    return {
      kind: isFloodStageBlock(task.error)
        ? 'disk-blocked'
        : isShardLoss(task.error)
          ? 'interrupted'
          : 'failed',
      message: copyFailureMessage(sourceIndex, destinationIndex, { reason: task.error }),
      counters,
    };
  }
  const failures = Array.isArray(response.failures) ? (response.failures as unknown[]) : [];
  if (failures.length > 0) {
    if (failures.every(isFloodStageBlock)) {
      return {
        kind: 'disk-blocked',
        message: copyFailureMessage(sourceIndex, destinationIndex, failures[0]),
        counters,
      };
    }
    // A real failure among lost shards still fails the copy: it would fail again.
    const real = failures.find((failure) => !isShardLoss(failure));
    return {
      kind: real === undefined ? 'interrupted' : 'failed',
      message: copyFailureMessage(sourceIndex, destinationIndex, real ?? failures[0]),
      counters,
    };
  }
  if (typeof response.canceled === 'string')
    return { kind: 'cancelled', reason: response.canceled, counters };
  return { kind: 'succeeded', counters };
}

/** The action name of a `_reindex` task, as `GET _tasks?actions=` filters on it. */
const REINDEX_ACTION = 'indices:data/write/reindex';

/**
 * Ids of the running `_reindex` tasks that write into `destinationIndex` (the top-level task of each, not
 * its slices), found by the description Elasticsearch gives them: `reindex from [<source>] to
 * [<destination>]`. Destination names are ds-reindex's own, so each is a copy ds-reindex started: one a
 * dead worker left running, to re-attach to, or to stop before the destination is deleted (a copy that
 * writes on would create it again, as a plain index).
 */
export async function runningCopyTasksInto(
  es: Client,
  destinationIndex: string,
  options: { cancelling?: boolean } = {},
): Promise<string[]> {
  return (await runningCopyTasksIntoEach(es, [destinationIndex], options)).get(destinationIndex) ?? [];
}

/** `runningCopyTasksInto` for several destinations, from one `_tasks` list: each one's tasks, or none. */
export async function runningCopyTasksIntoEach(
  es: Client,
  destinationIndices: readonly string[],
  options: { cancelling?: boolean } = {},
): Promise<Map<string, string[]>> {
  const response = await es.tasks.list({ actions: REINDEX_ACTION, detailed: true, group_by: 'none' });
  const tasks: TasksTaskInfo[] = Array.isArray(response.tasks) ? response.tasks : [];
  const running = new Map<string, string[]>();
  for (const destinationIndex of destinationIndices) {
    const target = ` to [${destinationIndex}]`;
    const ids = tasks
      .filter(
        (task) =>
          task.description?.startsWith('reindex from ') === true &&
          task.description.endsWith(target) &&
          task.parent_task_id === undefined &&
          // `cancelling: false` leaves out the tasks a cancel has reached but not yet stopped.
          (options.cancelling !== false || task.cancelled !== true),
      )
      .map((task) => `${task.node}:${task.id}`);
    running.set(destinationIndex, ids);
  }
  return running;
}

/** Cancels every copy still writing into `destinationIndex`, and waits until each has stopped. */
export async function stopCopiesInto(es: Client, destinationIndex: string): Promise<void> {
  for (const taskId of await runningCopyTasksInto(es, destinationIndex)) {
    try {
      await es.tasks.cancel({ task_id: taskId, wait_for_completion: true });
    } catch (err) {
      // It ended between the list and the cancel: stopped either way.
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * How many documents have been written into `index`'s primaries since its shards started
 * (`indexing.index_total`; a version conflict counts in `index_failed` instead). Unlike `_count` it needs no
 * refresh, so it sees a copy into a destination whose refresh is off, at the cost of a stats read. The
 * counter starts again at 0 when a primary moves or its node restarts, so it can only say "at least".
 */
export async function documentsIndexedInto(es: Client, index: string): Promise<number> {
  const stats = await es.indices.stats({ index, metric: 'indexing', expand_wildcards: 'all' });
  return stats.indices?.[index]?.primaries?.indexing?.index_total ?? 0;
}
