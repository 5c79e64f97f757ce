import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type WorkflowExecutionStatusName } from '@temporalio/client';
import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep } from './failures';
import { inspectDataStreams } from '../elasticsearch/cluster-inspection';
import { DataStreamNotFoundError, getBackingIndexNames } from '../elasticsearch/data-streams';
import { markIndicesReadOnly } from '../elasticsearch/read-only-marking';
import { windowStateAt, type MaintenanceWindow, type WindowState } from '../shared/maintenance-window';
import { dataStreamWorkflowId } from '../shared/names';
import { upgradePathOf, type ReadOnlyRule } from '../shared/read-only-rule';
import type { ReindexDataStreamStatus } from '../shared/status';
import { upgradedByRun } from '../shared/upgrade-predicate';
import { statusQuery } from '../workflows/definitions';

/** What the cluster workflow does next with a data stream, once its read-only indices are marked. */
export interface PreparedDataStream {
  /**
   * `start`: indices are left to reindex, start its upgrade; `adopt`: an unfinished upgrade of it is
   * running already, watch that one; `done`: nothing left to reindex.
   */
  next: 'start' | 'adopt' | 'done';
  indicesToReindex: number;
  /** Documents in the open indices to reindex (Elasticsearch does not count a closed index's). */
  documentsToReindex: number;
  bytesToReindex: number;
  /** Old indices this step marked read-only (`_block/write`). */
  indicesMarkedReadOnly: number;
  /** Old indices that were marked read-only before (and so are skipped). */
  indicesAlreadyReadOnly: number;
  /** The write index was old and chosen for the read-only path, so the data stream rolled over first. */
  rolledOver: boolean;
  /**
   * What Elasticsearch reports as the upgrade's first totals, counted as the data stream's own upgrade
   * will count them when it plans (after this step's marking and rollover, before its own rollover):
   * every backing index, and the old ones left to reindex.
   */
  totalIndicesInDataStream: number;
  totalIndicesRequiringUpgrade: number;
}

/** How a data stream's upgrade ended, as the cluster workflow records it. */
export interface WatchedUpgrade {
  /**
   * `complete`: finished, with or without failed indices; `failed`: the whole upgrade failed;
   * `cancelled`, `terminated`, `timed_out`: its workflow ended so; `gone`: it no longer exists, or closed
   * without a status (replaced).
   */
  end: 'complete' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'gone';
  /** The last status seen. */
  status?: ReindexDataStreamStatus;
}

type Temporal = ActivityDependencies['temporal'];
type DataStreamHandle = ReturnType<Temporal['workflow']['getHandle']>;

/** Whether an upgrade of the data stream is running now: a finished one has closed. */
async function upgradeRunning(temporal: Temporal, dataStream: string): Promise<boolean> {
  return (await executionOf(temporal.workflow.getHandle(dataStreamWorkflowId(dataStream)))) === 'RUNNING';
}

/** What the cluster run asks of one data stream's preparation. */
interface DataStreamPreparation {
  dataStream: string;
  readOnly: ReadOnlyRule;
  /** Old indices marked read-only are reindexed too (`--reindex-read-only`); absent: skipped. */
  reindexReadOnly?: boolean;
}

/**
 * Marks the indices the read-only rule picks (rolling over first when that includes the write index),
 * and counts what is left to reindex. An upgrade still running marks nothing: it is adopted as it is.
 */
async function markAndCount(
  es: ActivityDependencies['es'],
  input: DataStreamPreparation,
  running: boolean,
): Promise<PreparedDataStream> {
  const [facts] = (await inspectDataStreams(es, input.dataStream)).data_streams;
  if (facts === undefined || facts.data_stream !== input.dataStream) {
    throw new DataStreamNotFoundError(input.dataStream);
  }
  const reindexReadOnly = input.reindexReadOnly === true;
  const old = facts.backing_indices.filter((index) => upgradedByRun(index, reindexReadOnly));
  const path = (index: (typeof old)[number]) =>
    upgradePathOf(
      {
        creationDateMillis: index.creation_date_millis,
        originationDateMillis: index.origination_date_millis ?? undefined,
      },
      input.readOnly,
    );
  const toReindex = old.filter((index) => path(index) === 'reindex');
  const toMark = running ? [] : old.filter((index) => path(index) === 'read-only');
  let rolledOver = false;
  if (toMark.some((index) => index.write_index)) {
    // A write index cannot be blocked: roll over first, unless an earlier attempt already did.
    const before = await getBackingIndexNames(es, input.dataStream);
    if (before[before.length - 1] === facts.write_index) {
      await es.indices.rollover({ alias: input.dataStream });
      rolledOver = true;
    }
  }
  await markIndicesReadOnly(
    es,
    toMark.map((index) => index.index),
  );
  return {
    next: running ? 'adopt' : toReindex.length > 0 ? 'start' : 'done',
    indicesToReindex: toReindex.length,
    documentsToReindex: toReindex.reduce((sum, index) => sum + (index.doc_count ?? 0), 0),
    bytesToReindex: toReindex.reduce((sum, index) => sum + (index.size_in_bytes ?? 0), 0),
    indicesMarkedReadOnly: toMark.length,
    indicesAlreadyReadOnly: reindexReadOnly
      ? 0
      : facts.backing_indices.filter((index) => index.skip_reason === 'verified-read-only').length,
    rolledOver,
    // The rollover, by this attempt or by an earlier one, is already in `facts` unless it happened now.
    totalIndicesInDataStream: facts.backing_indices.length + (rolledOver ? 1 : 0),
    totalIndicesRequiringUpgrade: toReindex.length,
  };
}

/** A finished status: complete, or failed as a whole. */
function finishedEnd(status: ReindexDataStreamStatus): WatchedUpgrade {
  return { end: status.exception === undefined ? 'complete' : 'failed', status };
}

/** How a closed run ended, by its execution status; `undefined` when it continued as new (watch the next). */
function closedEnd(
  execution: WorkflowExecutionStatusName,
  status: ReindexDataStreamStatus | undefined,
): WatchedUpgrade | undefined {
  switch (execution) {
    case 'CONTINUED_AS_NEW':
      return undefined;
    case 'COMPLETED':
      return status === undefined ? { end: 'gone' } : finishedEnd(status);
    case 'FAILED':
      return { end: 'failed', status };
    case 'CANCELLED':
      return { end: 'cancelled', status };
    case 'TERMINATED':
      return { end: 'terminated', status };
    case 'TIMED_OUT':
      return { end: 'timed_out', status };
    default:
      return { end: 'gone', status };
  }
}

/** The execution status of the latest run, or `undefined` when there is none. */
async function executionOf(handle: DataStreamHandle): Promise<WorkflowExecutionStatusName | undefined> {
  try {
    return (await handle.describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

interface StatusRead {
  status?: ReindexDataStreamStatus;
  failure?: Error;
}

/** The upgrade's status query: its answer, or why it failed. */
async function readStatus(handle: DataStreamHandle): Promise<StatusRead> {
  try {
    return { status: await handle.query(statusQuery) };
  } catch (err) {
    return { failure: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** How a watched upgrade ended, from one poll (`last` the latest status read); `undefined` to poll again. */
function endAfterPoll(
  execution: WorkflowExecutionStatusName,
  read: StatusRead,
  last: ReindexDataStreamStatus | undefined,
): WatchedUpgrade | undefined {
  if (execution === 'RUNNING') return last?.complete ? finishedEnd(last) : undefined;
  if (read.failure instanceof WorkflowNotFoundError) return { end: 'gone', status: last };
  // A completed upgrade's outcome is its final status. A query that failed (a worker too busy to replay
  // the history in time: seen at 100,000 indices) is tried again by the activity's retry, never taken
  // for a status that is missing, nor for the last one read while it ran.
  if (execution === 'COMPLETED' && read.failure !== undefined) throw read.failure;
  return closedEnd(execution, last);
}

export function createClusterActivities({ es, temporal }: ActivityDependencies) {
  return {
    /**
     * Gets one data stream ready for its upgrade, deciding from its state now rather than from the plan
     * (which may be hours old): marks the indices the read-only rule picks with `_block/write`, rolling
     * the data stream over first when that includes the write index, and counts what is left to
     * reindex. An upgrade already running is left alone, to be watched (a finished one has closed, and
     * a new start replaces it). Idempotent: a retry finds the marked indices marked and the rollover done.
     * With `reindexReadOnly`, indices marked read-only count as left to reindex.
     */
    async prepareDataStreamUpgrade(input: DataStreamPreparation): Promise<PreparedDataStream> {
      const running = await upgradeRunning(temporal, input.dataStream);
      return elasticsearchStep(() => markAndCount(es, input, running));
    },

    /**
     * Whether the maintenance window is open now and when that changes next. Computed here, not in the
     * workflow: the answer depends on the time-zone database this process carries, and recorded in
     * history it stays the same on replay whatever database a later worker has.
     */
    maintenanceWindowState(window: MaintenanceWindow): Promise<WindowState> {
      return Promise.resolve(windowStateAt(window, Date.now()));
    },

    /**
     * Watches a data stream's upgrade (`reindex-data-stream-<name>`) until it has ended, reading its
     * status query every `pollIntervalMs`, and returns how it ended with the last status. Works for an
     * upgrade the cluster run started and for one it found running. Heartbeats, so a cancel reaches it at
     * once and a lost worker is replaced; it holds no state, so a retry simply watches again.
     */
    async awaitDataStreamUpgrade(input: {
      dataStream: string;
      pollIntervalMs: number;
    }): Promise<WatchedUpgrade> {
      const context = Context.current();
      const handle = temporal.workflow.getHandle(dataStreamWorkflowId(input.dataStream));
      let last: ReindexDataStreamStatus | undefined;
      for (;;) {
        context.heartbeat();
        const execution = await executionOf(handle);
        if (execution === undefined) return { end: 'gone', status: last };
        // Not answerable for a moment (its first task still pending): read it at the next poll. Once
        // closed, it is answered from its history.
        const read = await readStatus(handle);
        if (read.status !== undefined) last = read.status;
        const ended = endAfterPoll(execution, read, last);
        if (ended !== undefined) return ended;
        await context.sleep(input.pollIntervalMs);
      }
    },
  };
}
