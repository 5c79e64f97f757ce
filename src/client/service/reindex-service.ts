import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  type Client as TemporalClient,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { apiErrors, REINDEX_ACTIONS, requireConcreteDataStreamName } from './api-error';
import { WORKFLOW_TUNABLES } from '../../workflows/tunables';
import { inspectDataStream, type DataStreamInspection } from '../../elasticsearch/data-stream-inspection';
import { DataStreamNotFoundError } from '../../elasticsearch/data-streams';
import { dataStreamWorkflowId } from '../../shared/names';
import { DATA_STREAM_SEARCH_ATTRIBUTE, REINDEX_STATE_SEARCH_ATTRIBUTE } from '../../shared/search-attributes';
import { PRIVILEGE_SAMPLE_PER_DATA_STREAM, sampleNames } from '../../shared/privileges';
import { deriveStatus, withHumanReadableTimes, type ReindexDataStreamStatus } from '../../shared/status';
import { DEFAULT_VERIFY_MODE, type VerifyMode } from '../../shared/verify-mode';
import { verifyModeForStart } from './verify-mode-default';
import { dataStreamDiskPlan, refuseDiskRisk } from './disk-check';
import { requireWorkerPrivileges } from './worker-privileges';
import { pauseUpdateOutcome, type PauseUpdateOutcome } from './pause-update';
import {
  maxConcurrentIndicesChangedSignal,
  pauseAnswerOf,
  pauseUpgradeSignal,
  pauseUpgradeUpdate,
  reindexDataStream,
  resumeUpgradeSignal,
  resumeUpgradeUpdate,
  upgradePauseQuery,
  type PauseAnswer,
  STATUS_RETENTION_MEMO,
  statusBeforeFirstTask,
  statusQuery,
  type ReindexDataStreamInput,
} from '../../workflows';

export interface ReindexServiceOptions {
  temporal: TemporalClient;
  taskQueue: string;
  /** How long a finished status stays readable; default 24 hours. Recorded by each run as it closes. */
  statusRetentionMs?: number;
  /** Backing indices per workflow run before continue-as-new. */
  maxIndicesPerRun?: number;
  /** How long `cancel` waits for the rollback to finish before answering; default 60 s. */
  cancelWaitMs?: number;
  /**
   * The clock a finished status's age is measured with, against the close time the server recorded.
   * @default Date.now; tests on the time-skipping test server pass that server's clock.
   */
  now?: () => number | Promise<number>;
}

/** What a start may say beyond Elasticsearch's body. */
export interface StartOptions {
  /**
   * How each copy is proven before its swap.
   * @default the cluster's `cluster.metadata.ds_reindex.verify`, else `count`
   */
  verify?: VerifyMode;
  /**
   * Start even when the disk plan would pass the flood-stage watermark on a node.
   * @default false
   */
  allowDiskRisk?: boolean;
}

/** One data-stream upgrade as `list` shows it. */
export interface ReindexTaskSummary {
  data_stream: string;
  workflow_id: string;
  state: string;
  start_time_millis: number;
}

const DATA_STREAM_WORKFLOW_TYPE = 'reindexDataStream';

/**
 * The record a cancel leaves under a finished upgrade's workflow id, so that its status is gone at once
 * (Elasticsearch's cancel removes the task) while the finished run keeps its Completed or Failed label.
 * No worker implements this type: it is started on a task queue nobody polls and terminated at once.
 */
export const STATUS_DISMISSED_WORKFLOW_TYPE = 'reindexStatusDismissed';
/** If the process dies between starting and terminating a dismissal record, the record closes by itself. */
const STATUS_DISMISSED_TIMEOUT = '1 minute';

/** A run's history length once its first workflow task completed: started, scheduled, started, completed. */
const FIRST_TASK_COMPLETED_HISTORY_LENGTH = 4;
/** How many of a run's first events are read to find its input and whether its first task completed. */
const FIRST_EVENTS_PAGE_SIZE = 20;

/** A closed run's final status, and when its retention ends (epoch ms). */
interface ClosedRunStatus {
  status: ReindexDataStreamStatus;
  expiresAtMillis: number;
}

/** The latest run under a data stream's workflow id, as visibility lists it, for `statuses()`. */
interface LatestRun {
  dataStream: string;
  runId: string;
  /** An upgrade run that completed or failed: its final status, if kept, stands. */
  closed: boolean;
  /** Running, closed with a status, or continued as new; not a dismissal, cancel, terminate or timeout. */
  mayHaveStatus: boolean;
}

/** When a closed run's status stops being served: its close time plus the retention in its memo. */
function retentionEnd(description: WorkflowExecutionDescription): number {
  const retentionMs = description.memo?.[STATUS_RETENTION_MEMO];
  if (typeof retentionMs !== 'number') return 0;
  return (description.closeTime ?? description.startTime).getTime() + retentionMs;
}

/** The data stream a listed run belongs to: its search attribute, or its workflow id's suffix. */
function dataStreamOf(execution: WorkflowExecutionInfo): string {
  return (
    execution.typedSearchAttributes.get(DATA_STREAM_SEARCH_ATTRIBUTE) ??
    execution.workflowId.replace(/^reindex-data-stream-/, '')
  );
}

/** Upgrades whose status `statuses()` reads at once. */
const STATUS_READS_AT_ONCE = 8;

/**
 * What the latest execution under a data stream's workflow id means for the API:
 * - `running`: an upgrade in progress;
 * - `finished`: a complete upgrade closed within its retention, whose status is still readable;
 * - `none`: nothing to report (never started, cancelled, replaced, status expired or dismissed).
 */
type Upgrade =
  | { kind: 'running'; description: WorkflowExecutionDescription; status: ReindexDataStreamStatus }
  | { kind: 'finished'; description: WorkflowExecutionDescription; status: ReindexDataStreamStatus }
  | { kind: 'none'; description?: WorkflowExecutionDescription };

function isStatus(value: unknown): value is ReindexDataStreamStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<ReindexDataStreamStatus>).start_time_millis === 'number' &&
    typeof (value as Partial<ReindexDataStreamStatus>).complete === 'boolean'
  );
}

/**
 * Elasticsearch's reindex-data-stream semantics on top of Temporal, shared by the HTTP API and the CLI:
 * a start is refused while an unfinished upgrade exists, replaces a finished one, and 404s for anything
 * that is not a data stream; status and cancel 404 when there is no task. The status of a running upgrade
 * comes from the workflow's query, that of a finished one from its closed execution, so every client
 * agrees with the Web UI.
 */
export class ReindexService {
  /**
   * The final statuses of closed runs that the last `statuses()` read found, by run id. A closed run's
   * status never changes, so the worker's index-count metrics read each one once, not every few seconds
   * for the 24 hours it is kept (after a whole cluster: a describe and a history read per finished data
   * stream, per worker, per read).
   */
  private closedRunStatuses = new Map<string, ClosedRunStatus>();

  constructor(readonly options: ReindexServiceOptions) {}

  private get retentionMs(): number {
    return this.options.statusRetentionMs ?? WORKFLOW_TUNABLES.DEFAULT_STATUS_RETENTION_MS;
  }

  private async now(): Promise<number> {
    return (this.options.now ?? Date.now)();
  }

  /** A handle on exactly the described run, never on a later one. */
  private handle(description: WorkflowExecutionDescription) {
    return this.options.temporal.workflow.getHandle<typeof reindexDataStream>(
      description.workflowId,
      description.runId,
      { followRuns: false },
    );
  }

  /**
   * The latest execution under the data stream's workflow id, and what it means for the API. A closed
   * run's status is taken from `closedStatuses` when there, and added to it when read.
   */
  private async lookup(dataStream: string, closedStatuses?: Map<string, ClosedRunStatus>): Promise<Upgrade> {
    const workflowId = dataStreamWorkflowId(dataStream);
    // A run that continued as new has a successor by now: describing again finds that one.
    for (let attempt = 0; ; attempt += 1) {
      const description = await this.describeLatest(workflowId);
      if (description === undefined) return { kind: 'none' };
      if (description.status.name === 'CONTINUED_AS_NEW' && attempt < 3) continue;
      return this.upgradeOf(description, closedStatuses);
    }
  }

  private async describeLatest(workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await this.options.temporal.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * What one execution means: a running upgrade answers its query; a closed one its result while its
   * retention lasts. Cancelled, terminated (replaced by a new start), timed out, a dismissal record or
   * a chain that keeps continuing: no status, as in Elasticsearch.
   */
  private async upgradeOf(
    description: WorkflowExecutionDescription,
    closedStatuses?: Map<string, ClosedRunStatus>,
  ): Promise<Upgrade> {
    if (description.type !== DATA_STREAM_WORKFLOW_TYPE) return { kind: 'none', description };
    const state = description.status.name;
    if (state === 'RUNNING') {
      const status = await this.runningStatus(description);
      return status === undefined ? { kind: 'none', description } : { kind: 'running', description, status };
    }
    const expiresAtMillis = retentionEnd(description);
    if ((state === 'COMPLETED' || state === 'FAILED') && (await this.now()) < expiresAtMillis) {
      const status = closedStatuses?.get(description.runId)?.status ?? (await this.closedStatus(description));
      if (status === undefined) return { kind: 'none', description };
      closedStatuses?.set(description.runId, { status, expiresAtMillis });
      return { kind: 'finished', description, status };
    }
    return { kind: 'none', description };
  }

  /**
   * A running upgrade's status, from its query. Before its first workflow task has completed, the
   * workflow cannot answer (the query waits for a worker, or fails) and has done nothing yet: the status
   * is then what its input says. `undefined` when the run is gone.
   */
  private async runningStatus(
    description: WorkflowExecutionDescription,
  ): Promise<ReindexDataStreamStatus | undefined> {
    if (description.historyLength < FIRST_TASK_COMPLETED_HISTORY_LENGTH) {
      // Unless the first task completed since the describe: then the query answers.
      const early = await this.statusBeforeFirstTask(description);
      if (early !== undefined) return early;
    }
    try {
      return await this.handle(description).query(statusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      // Its first tasks failed or timed out: still nothing done. Otherwise the query's error stands.
      const early = await this.statusBeforeFirstTask(description).catch(() => undefined);
      if (early !== undefined) return early;
      throw err;
    }
  }

  /**
   * The status a run reports before its first workflow task, from the input in its first event;
   * `undefined` once that task has completed (the workflow then answers for itself).
   */
  private async statusBeforeFirstTask(
    description: WorkflowExecutionDescription,
  ): Promise<ReindexDataStreamStatus | undefined> {
    const { temporal } = this.options;
    const response = await temporal.workflowService.getWorkflowExecutionHistory({
      namespace: temporal.options.namespace,
      execution: { workflowId: description.workflowId, runId: description.runId },
      maximumPageSize: FIRST_EVENTS_PAGE_SIZE,
    });
    const events = response.history?.events ?? [];
    if (events.some((event) => event.workflowTaskCompletedEventAttributes)) return undefined;
    const converter = temporal.options.loadedDataConverter;
    let payloads = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    for (const codec of [...converter.payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    if (payloads[0] === undefined) throw new Error(`workflow ${description.workflowId} has no input`);
    const input = converter.payloadConverter.fromPayload<ReindexDataStreamInput>(payloads[0]);
    return statusBeforeFirstTask(input, description.startTime.getTime());
  }

  /** A closed run's final status: its result, or for a failed run the status in its failure's details. */
  private async closedStatus(
    description: WorkflowExecutionDescription,
  ): Promise<ReindexDataStreamStatus | undefined> {
    try {
      const result = await this.handle(description).result();
      return isStatus(result) ? result : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      if (!(err instanceof WorkflowFailedError)) throw err;
      const detail = err.cause instanceof ApplicationFailure ? err.cause.details?.[0] : undefined;
      if (isStatus(detail)) return detail;
      // Failed some other way: say so in `exception`, which is what it is for.
      return deriveStatus({
        startTimeMillis: description.startTime.getTime(),
        complete: true,
        totalIndicesInDataStream: 0,
        totalIndicesRequiringUpgrade: 0,
        inProgress: [],
        pendingCount: 0,
        errors: [],
        exception: err.cause?.message ?? err.message,
      });
    }
  }

  /**
   * `POST /_migration/reindex`. Plans with the caller's Elasticsearch client (read-only; it 404s for
   * anything that is not a data stream) and hands the counts to the workflow, so that the very first
   * status has Elasticsearch's totals (docs/ELASTICSEARCH-BEHAVIOUR.md, section 3, step 1).
   */
  async start(
    es: ElasticsearchClient,
    dataStream: string,
    options: StartOptions = {},
  ): Promise<{ acknowledged: true }> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.start, dataStream);
    if (/[*,]/.test(dataStream)) throw apiErrors.dataStreamNotFound(dataStream);
    const inspection = await this.plan(es, dataStream);
    const verify = await verifyModeForStart(es, options.verify);
    const startTimeMillis = await this.now();
    const existing = await this.lookup(dataStream);
    if (existing.kind === 'running') throw apiErrors.taskAlreadyExists(dataStream);
    refuseDiskRisk(
      await dataStreamDiskPlan(es, inspection),
      `[${dataStream}]`,
      options.allowDiskRisk ?? false,
    );
    if (existing.description?.status.name === 'RUNNING') {
      // A dismissal record that was never terminated (its process died between start and terminate):
      // replaced by the new start. Terminate that run only, so two racing starts cannot terminate each
      // other's new run.
      await this.options.temporal.workflow
        .getHandle(existing.description.workflowId, existing.description.runId)
        .terminate('replaced by a new start')
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
    const input: ReindexDataStreamInput = {
      dataStream,
      statusRetentionMs: this.retentionMs,
      maxIndicesPerRun: this.options.maxIndicesPerRun ?? WORKFLOW_TUNABLES.DEFAULT_MAX_INDICES_PER_RUN,
      ...(verify !== DEFAULT_VERIFY_MODE ? { verify } : {}),
      accepted: {
        startTimeMillis,
        totalIndicesInDataStream: inspection.backing_indices.length,
        totalIndicesRequiringUpgrade: inspection.backing_indices.filter((entry) => entry.needs_upgrade)
          .length,
      },
    };
    try {
      await this.options.temporal.workflow.start(reindexDataStream, {
        workflowId: dataStreamWorkflowId(dataStream),
        taskQueue: this.options.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw apiErrors.taskAlreadyExists(dataStream);
      throw err;
    }
    return { acknowledged: true };
  }

  /** `GET /_migration/reindex/<ds>/_status`; `human` adds `start_time`. */
  async status(dataStream: string, human = false): Promise<ReindexDataStreamStatus> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.status, dataStream);
    const upgrade = await this.lookup(dataStream);
    if (upgrade.kind === 'none') throw apiErrors.noStatus(dataStream);
    return human ? withHumanReadableTimes(upgrade.status) : upgrade.status;
  }

  /**
   * `POST /_migration/reindex/<ds>/_cancel`. A running upgrade: cancels the workflow, which cancels its
   * children and their Elasticsearch reindex tasks and rolls unfinished indices back; answers once that
   * is done (or after `cancelWaitMs`). A finished one: dismisses its status. Either way a status right
   * after is a 404 and a new start is allowed.
   */
  async cancel(dataStream: string): Promise<{ acknowledged: true }> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.cancel, dataStream);
    const upgrade = await this.lookup(dataStream);
    if (upgrade.kind === 'none') throw apiErrors.noTaskToCancel(dataStreamWorkflowId(dataStream));
    const { description } = upgrade;
    if (description.status.name !== 'RUNNING') {
      await this.dismissStatus(dataStream);
      return { acknowledged: true };
    }
    const handle = this.options.temporal.workflow.getHandle(description.workflowId, description.runId);
    await handle.cancel();
    const waitMs = this.options.cancelWaitMs ?? 60_000;
    await Promise.race([
      handle.result().catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()),
    ]);
    // It finished before the cancel reached it (nothing left to upgrade, or the last index just swapped):
    // its status would outlive the cancel, so dismiss it as for any finished upgrade.
    const closed = await handle.describe().catch(() => undefined);
    if (closed?.status.name === 'COMPLETED' || closed?.status.name === 'FAILED') {
      await this.dismissStatus(dataStream);
    }
    return { acknowledged: true };
  }

  /**
   * Ends a closed upgrade's status at once by recording the dismissal as the latest run under its id,
   * which every later lookup sees first. Deleting the closed run instead would also take it out of the
   * Web UI, and the server deletes asynchronously (over 30 s on the dev server), so a status read right
   * after the cancel could still find it.
   */
  private async dismissStatus(dataStream: string): Promise<void> {
    let record;
    try {
      record = await this.options.temporal.workflow.start(STATUS_DISMISSED_WORKFLOW_TYPE, {
        workflowId: dataStreamWorkflowId(dataStream),
        taskQueue: `${this.options.taskQueue}-dismissed-statuses`,
        args: [],
        workflowIdConflictPolicy: 'FAIL',
        workflowExecutionTimeout: STATUS_DISMISSED_TIMEOUT,
        typedSearchAttributes: [{ key: DATA_STREAM_SEARCH_ATTRIBUTE, value: dataStream }],
      });
    } catch (err) {
      // A new start got in first: that upgrade replaced the finished one, whose status is gone anyway.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
    await record.terminate("the finished upgrade's status was dismissed by a cancel");
  }

  /**
   * Beyond Elasticsearch: pauses a running upgrade. No new backing index starts; with `now` the copies in
   * flight stop too, keeping what they copied. Sent as a Workflow Update: answered once the workflow has
   * applied it, with the pause as it then is (the status shows it too). A second pause keeps the first
   * one's time. Refused (409) by the workflow once the upgrade has ended or failed.
   */
  async pause(dataStream: string, now: boolean): Promise<PauseAnswer> {
    const handle = await this.pausableUpgrade(dataStream);
    const outcome = await pauseUpdateOutcome(() =>
      handle.executeUpdate(pauseUpgradeUpdate, { args: [{ now }] }),
    );
    return this.pauseAnswer(dataStream, 'pause', outcome, () => handle.signal(pauseUpgradeSignal, { now }));
  }

  /**
   * Beyond Elasticsearch: resumes a paused upgrade; stopped copies continue without copying twice. Refused
   * (409) when the upgrade is not paused.
   */
  async resume(dataStream: string): Promise<PauseAnswer> {
    const handle = await this.pausableUpgrade(dataStream);
    const outcome = await pauseUpdateOutcome(() => handle.executeUpdate(resumeUpgradeUpdate));
    return this.pauseAnswer(dataStream, 'resume', outcome, () => handle.signal(resumeUpgradeSignal));
  }

  /** A handle on the data stream's running upgrade (its latest run, should it continue as new meanwhile). */
  private async pausableUpgrade(dataStream: string) {
    requireConcreteDataStreamName(REINDEX_ACTIONS.cancel, dataStream);
    const upgrade = await this.lookup(dataStream);
    if (upgrade.kind !== 'running') throw apiErrors.noRunningUpgrade(dataStream);
    return this.options.temporal.workflow.getHandle<typeof reindexDataStream>(upgrade.description.workflowId);
  }

  private async pauseAnswer(
    dataStream: string,
    action: 'pause' | 'resume',
    outcome: PauseUpdateOutcome,
    signal: () => Promise<void>,
  ): Promise<PauseAnswer> {
    if (outcome.kind === 'applied') return outcome.answer;
    if (outcome.kind === 'refused') throw apiErrors.pauseRefused(dataStream, action, outcome.reason);
    if (outcome.kind === 'not-running') throw apiErrors.noRunningUpgrade(dataStream);
    return this.pauseBySignal(dataStream, signal);
  }

  /**
   * A run whose worker predates pause and resume as updates (a worker not yet upgraded) still has them as
   * signals: sent as before, then the pause is read back with its query, which sees every signal the server
   * accepted before it. Not validated by the workflow, as before (a resume of what is not paused does
   * nothing), but answered with the resulting state all the same.
   */
  private async pauseBySignal(dataStream: string, signal: () => Promise<void>): Promise<PauseAnswer> {
    const handle = this.options.temporal.workflow.getHandle(dataStreamWorkflowId(dataStream));
    const pauseState = async () => {
      try {
        return await handle.query(upgradePauseQuery);
      } catch (err) {
        // Older still: started before pausing existed. A signal would be ignored, so say so.
        if (err instanceof QueryNotRegisteredError) throw apiErrors.cannotPause(dataStream);
        if (err instanceof WorkflowNotFoundError) throw apiErrors.noRunningUpgrade(dataStream);
        throw err;
      }
    };
    await pauseState();
    await signal();
    return pauseAnswerOf(await pauseState());
  }

  /**
   * Beyond Elasticsearch: what an upgrade would do, changing nothing. Refused, as a start would be, when
   * the worker's credentials lack a privilege the upgrade needs.
   */
  async plan(es: ElasticsearchClient, dataStream: string): Promise<DataStreamInspection> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.start, dataStream);
    let inspection: DataStreamInspection;
    try {
      inspection = await inspectDataStream(es, dataStream);
    } catch (err) {
      if (err instanceof DataStreamNotFoundError) throw apiErrors.dataStreamNotFound(dataStream);
      throw err;
    }
    const upgrading = inspection.backing_indices
      .filter((entry) => entry.needs_upgrade)
      .map((entry) => entry.index);
    if (upgrading.length > 0) {
      await requireWorkerPrivileges(this.options.temporal, this.options.taskQueue, REINDEX_ACTIONS.start, {
        dataStreams: [dataStream],
        backingIndices: sampleNames(upgrading, PRIVILEGE_SAMPLE_PER_DATA_STREAM),
      });
    }
    return inspection;
  }

  /** The latest run per workflow id that `query` finds in visibility. */
  private async latestExecutions(query: string): Promise<WorkflowExecutionInfo[]> {
    const latest = new Map<string, WorkflowExecutionInfo>();
    for await (const execution of this.options.temporal.workflow.list({ query })) {
      const earlier = latest.get(execution.workflowId);
      if (earlier === undefined || earlier.startTime.getTime() < execution.startTime.getTime())
        latest.set(execution.workflowId, execution);
    }
    return [...latest.values()];
  }

  /** The latest run per workflow id that `query` finds in visibility, as `list` shows it. */
  private async listExecutions(query: string): Promise<(ReindexTaskSummary & { open: boolean })[]> {
    return (await this.latestExecutions(query)).map((execution) => ({
      data_stream: dataStreamOf(execution),
      workflow_id: execution.workflowId,
      state: execution.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE) ?? 'running',
      start_time_millis: execution.startTime.getTime(),
      open: execution.status.name === 'RUNNING',
    }));
  }

  /** Visibility's time for "closed within the retention": a run closed after it may still have a status. */
  private async retentionStart(): Promise<string> {
    return new Date((await this.now()) - this.retentionMs).toISOString();
  }

  /** The upgrades that may have a status: running, or closed within the retention (visibility's view). */
  private async statusCandidates(): Promise<(ReindexTaskSummary & { open: boolean })[]> {
    const closedSince = await this.retentionStart();
    return this.listExecutions(
      `WorkflowType = '${DATA_STREAM_WORKFLOW_TYPE}' AND (ExecutionStatus = 'Running' OR ` +
        `((ExecutionStatus = 'Completed' OR ExecutionStatus = 'Failed') AND CloseTime > '${closedSince}'))`,
    );
  }

  /**
   * Every status `list` names, by data stream, for the worker's index-count metrics, which read them all
   * every few seconds. From one visibility listing of the latest run under each data stream's workflow id:
   * a closed run whose status the last read found (`closedRunStatuses`) is served from it while its
   * retention lasts; a dismissal record, or a run cancelled, terminated or timed out, has no status; every
   * other run is looked up as `_status` looks it up. The listing may lag the server by a moment, as the
   * metrics may lag by a read.
   */
  async statuses(): Promise<Map<string, ReindexDataStreamStatus>> {
    const known = this.closedRunStatuses;
    const seen = new Map<string, ClosedRunStatus>();
    const statuses = new Map<string, ReindexDataStreamStatus>();
    const now = await this.now();
    const toLookUp: string[] = [];
    for (const run of await this.latestRunsWithStatus()) {
      const kept = known.get(run.runId);
      if (kept !== undefined && run.closed && now < kept.expiresAtMillis) {
        statuses.set(run.dataStream, kept.status);
        seen.set(run.runId, kept);
      } else if (run.mayHaveStatus) {
        toLookUp.push(run.dataStream);
      }
    }
    // A few at a time: hundreds of upgrades at once (a whole cluster) must not become a burst of requests.
    for (let at = 0; at < toLookUp.length; at += STATUS_READS_AT_ONCE) {
      await Promise.all(
        toLookUp.slice(at, at + STATUS_READS_AT_ONCE).map(async (dataStream) => {
          // One that cannot be read now (its run just moved on) is left out of this read, not all of them.
          const upgrade = await this.lookup(dataStream, seen).catch((): Upgrade => ({ kind: 'none' }));
          if (upgrade.kind !== 'none') statuses.set(dataStream, upgrade.status);
        }),
      );
    }
    // Only what this read found: a run replaced, dismissed or past its retention is not kept.
    this.closedRunStatuses = seen;
    return statuses;
  }

  /**
   * The latest run under each data-stream workflow id, as visibility lists them: every upgrade run or
   * dismissal record running now or closed within the retention, so that a later one hides an earlier one.
   */
  private async latestRunsWithStatus(): Promise<LatestRun[]> {
    const closedSince = await this.retentionStart();
    const query =
      `(WorkflowType = '${DATA_STREAM_WORKFLOW_TYPE}' OR WorkflowType = '${STATUS_DISMISSED_WORKFLOW_TYPE}') ` +
      `AND (ExecutionStatus = 'Running' OR CloseTime > '${closedSince}')`;
    return (await this.latestExecutions(query)).map((execution) => {
      const state = execution.status.name;
      const upgrade = execution.type === DATA_STREAM_WORKFLOW_TYPE;
      return {
        dataStream: dataStreamOf(execution),
        runId: execution.runId,
        closed: upgrade && (state === 'COMPLETED' || state === 'FAILED'),
        // A run continued as new has a successor the listing may not show yet: the lookup finds it.
        mayHaveStatus: upgrade && ['RUNNING', 'COMPLETED', 'FAILED', 'CONTINUED_AS_NEW'].includes(state),
      };
    });
  }

  /** Beyond Elasticsearch: every data-stream upgrade that still has a status, running or finished. */
  async list(): Promise<ReindexTaskSummary[]> {
    const candidates = await this.statusCandidates();
    const summaries = await Promise.all(
      candidates.map(async ({ open, ...summary }): Promise<ReindexTaskSummary | undefined> => {
        if (open) return summary;
        // A closed run counts only while it is the latest under its id and its status lasts, as for status.
        const upgrade = await this.lookup(summary.data_stream);
        if (upgrade.kind === 'none') return undefined;
        return {
          ...summary,
          state:
            upgrade.description.typedSearchAttributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE) ?? summary.state,
          start_time_millis: upgrade.description.startTime.getTime(),
        };
      }),
    );
    return summaries
      .filter((summary): summary is ReindexTaskSummary => summary !== undefined)
      .sort((a, b) => a.data_stream.localeCompare(b.data_stream));
  }

  /** Tells every running upgrade that the concurrency setting changed, so it applies at once. */
  async notifyMaxConcurrentIndices(value: number): Promise<void> {
    const running = await this.listExecutions(
      `WorkflowType = '${DATA_STREAM_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
    );
    await Promise.all(
      running.map((task) =>
        this.options.temporal.workflow
          .getHandle(task.workflow_id)
          .signal(maxConcurrentIndicesChangedSignal, value)
          .catch(() => undefined),
      ),
    );
  }
}
