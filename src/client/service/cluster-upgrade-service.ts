import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { ElasticsearchApiError } from './api-error';
import {
  planCluster,
  readOnlyRuleAt,
  readOnlyView,
  type ClusterPlan,
  type ClusterSelection,
  type ReadOnlyView,
} from './cluster-plan';
import { ACCESS } from './access';
import { buildClusterReport, type ClusterReport } from './cluster-report';
import type { ReindexService } from './reindex-service';
import { requireWorkerPrivileges } from './worker-privileges';
import { FinishedPagesReader } from './finished-pages-reader';
import { standaloneIndicesToRun } from './standalone-plan';
import { pauseUpdateOutcome, type PauseUpdateOutcome } from './pause-update';
import { clusterPrivilegeTargets } from './cluster-privilege-targets';
import { WORKFLOW_TUNABLES } from '../../workflows/tunables';
import type { MaintenanceWindow } from '../../shared/maintenance-window';
import { DEFAULT_VERIFY_MODE, type VerifyMode } from '../../shared/verify-mode';
import { verifyModeForStart } from './verify-mode-default';
import { refuseDiskRisk } from './disk-check';
import type { DiskPlan } from '../../elasticsearch/disk-plan';
import type { ReadOnlyRule } from '../../shared/read-only-rule';
import type { ReindexDataStreamStatus } from '../../shared/status';
import {
  CLUSTER_UPGRADE_WORKFLOW_ID,
  clusterStatusQuery,
  pauseAnswerOf,
  pauseClusterSignal,
  pauseClusterUpdate,
  resumeClusterSignal,
  resumeClusterUpdate,
  reindexCluster,
  type PauseAnswer,
  type ClusterUpgradeStatus,
  type RunningDataStream,
  type StandaloneIndicesStatus,
} from '../../workflows';

export interface ClusterUpgradeServiceOptions {
  /** How often the cluster workflow reads a running data stream's status. Default: the workflow's. */
  watchPollIntervalMs?: number;
  /** Data streams per cluster workflow run before continue-as-new. Default: the workflow's. */
  maxDataStreamsPerRun?: number;
  /** How long `cancel` waits for every data stream to roll back before answering; default 5 minutes. */
  cancelWaitMs?: number;
}

export interface ClusterStartRequest extends ClusterSelection {
  maxDataStreams: number;
  /** How every data stream's copies are proven; absent: the cluster's default, else `count`. */
  verify?: VerifyMode;
  /** Copies run only inside this daily window. */
  window?: MaintenanceWindow;
  /** Start even when the disk plan would pass the flood-stage watermark on a node. */
  allowDiskRisk?: boolean;
}

/** What a cluster start answers: the data streams the run upgrades; with none, no run and a message why. */
export interface ClusterStartAnswer {
  acknowledged: true;
  data_streams: string[];
  /** The standalone indices it upgrades or marks read-only; present when `indices` was asked for. */
  indices?: string[];
  message?: string;
}

/** A start, checked and resolved to the data streams it will upgrade, not started yet. */
export interface PreparedClusterStart {
  request: ClusterStartRequest;
  /** The verification every data stream of the run starts with, resolved as the run is prepared. */
  verify: VerifyMode;
  readOnly: ReadOnlyRule;
  dataStreams: string[];
  /** The standalone indices it reindexes or marks read-only (`indices`), in order; empty without. */
  standaloneIndices: string[];
  /** The disk plan of the run, refused by `start` when it passes the flood stage (unless allowed). */
  disk: DiskPlan;
}

/** What the preparation of a running data stream found and did. */
export interface PreparedView {
  next: 'start' | 'adopt' | 'done';
  indices_to_reindex: number;
  documents_to_reindex: number;
  bytes_to_reindex: number;
  indices_marked_read_only: number;
  indices_already_read_only: number;
  rolled_over: boolean;
}

/** A running data stream in the cluster status, with its own live status when it has one. */
export interface RunningDataStreamView extends Omit<RunningDataStream, 'prepared'> {
  prepared?: PreparedView;
  status?: ReindexDataStreamStatus;
}

function runningView({ prepared, ...entry }: RunningDataStream): RunningDataStreamView {
  if (prepared === undefined) return entry;
  return {
    ...entry,
    prepared: {
      next: prepared.next,
      indices_to_reindex: prepared.indicesToReindex,
      documents_to_reindex: prepared.documentsToReindex,
      bytes_to_reindex: prepared.bytesToReindex,
      indices_marked_read_only: prepared.indicesMarkedReadOnly,
      indices_already_read_only: prepared.indicesAlreadyReadOnly,
      rolled_over: prepared.rolledOver,
    },
  };
}

/** The cluster run's status as the API and the CLI show it. */
export interface ClusterStatusView extends Omit<ClusterUpgradeStatus, 'running' | 'read_only'> {
  read_only: ReadOnlyView;
  running: RunningDataStreamView[];
}

export const clusterErrors = {
  noClusterUpgrade: () =>
    new ElasticsearchApiError(404, 'resource_not_found_exception', 'No cluster upgrade found'),
  noRunningClusterUpgrade: () =>
    new ElasticsearchApiError(404, 'resource_not_found_exception', 'No cluster upgrade is running'),
  /** The cluster workflow refused a pause or resume (e.g. a resume of a run that is not paused). */
  pauseRefused: (action: 'pause' | 'resume', reason: string) =>
    new ElasticsearchApiError(409, 'status_exception', `cannot ${action} the cluster upgrade: ${reason}`),
  alreadyRunning: () =>
    new ElasticsearchApiError(
      400,
      'resource_already_exists_exception',
      'A cluster upgrade is already running; see its status, or cancel it',
    ),
};

/**
 * The whole-cluster upgrade, shared by the HTTP API and the CLI: plan (Elasticsearch only), start one
 * cluster workflow, its status (with each running data stream's own status), cancel, and the report.
 * Built on the data-stream service, whose Temporal client and data-stream settings it uses.
 */
export class ClusterUpgradeService {
  private readonly finishedPages: FinishedPagesReader;

  constructor(
    readonly reindex: ReindexService,
    private readonly options: ClusterUpgradeServiceOptions = {},
  ) {
    this.finishedPages = new FinishedPagesReader(reindex.options.temporal);
  }

  /** The run's status as its workflow answers it, with what its earlier runs finished read back in. */
  private async query(): Promise<ClusterUpgradeStatus> {
    return await this.finishedPages.complete(await this.handle().query(clusterStatusQuery));
  }

  private handle() {
    return this.reindex.options.temporal.workflow.getHandle<typeof reindexCluster>(
      CLUSTER_UPGRADE_WORKFLOW_ID,
    );
  }

  /**
   * The dry run, with the caller's Elasticsearch client. Refused, as a start would be, when the worker's
   * credentials lack a privilege the reindexing it plans needs.
   */
  async plan(
    es: ElasticsearchClient,
    options: ClusterSelection & { ilmHorizonMs: number; maxDataStreams: number },
    nowMillis = Date.now(),
  ): Promise<ClusterPlan> {
    const plan = await planCluster(es, { ...options, nowMillis });
    await this.requireWorkerPrivileges(plan);
    return plan;
  }

  /** The worker's privileges for what a run would reindex (`clusterPrivilegeTargets`). */
  private async requireWorkerPrivileges(plan: ClusterPlan): Promise<void> {
    const options = this.reindex.options;
    await requireWorkerPrivileges(
      options.temporal,
      options.taskQueue,
      ACCESS.clusterStart.action,
      clusterPrivilegeTargets(plan),
    );
  }

  /**
   * Resolves a start to its data streams as the caller sees them: those with backing indices needing
   * upgrade, system ones only when asked for. Changes nothing, so the caller's privileges can be checked
   * on exactly these names before anything starts.
   */
  async prepareStart(
    es: ElasticsearchClient,
    request: ClusterStartRequest,
    nowMillis = Date.now(),
  ): Promise<PreparedClusterStart> {
    const plan = await planCluster(es, { ...request, ilmHorizonMs: 0, nowMillis });
    await this.requireWorkerPrivileges(plan);
    return {
      disk: plan.disk,
      request,
      verify: await verifyModeForStart(es, request.verify),
      readOnly: readOnlyRuleAt(request.readOnly, nowMillis),
      dataStreams: plan.data_streams.filter((stream) => stream.included).map((stream) => stream.data_stream),
      standaloneIndices:
        plan.standalone_indices === undefined ? [] : standaloneIndicesToRun(plan.standalone_indices),
    };
  }

  /**
   * Starts the cluster workflow; refused while one is running. A selection of no data stream (the pattern
   * matches none, or none has a backing index to upgrade) starts nothing and says so in `message`, so the
   * last run's status and report stay.
   */
  async start(prepared: PreparedClusterStart): Promise<ClusterStartAnswer> {
    const { indices } = prepared.request;
    const standaloneAnswer = indices !== undefined ? { indices: prepared.standaloneIndices } : {};
    if (prepared.dataStreams.length === 0 && prepared.standaloneIndices.length === 0) {
      const standaloneToo =
        indices !== undefined
          ? `, and no index matching [${indices}] is an old standalone index to upgrade`
          : '';
      return {
        acknowledged: true,
        data_streams: [],
        ...standaloneAnswer,
        message:
          `Nothing to upgrade: no data stream matching [${prepared.request.pattern}] has backing indices to ` +
          `upgrade${standaloneToo}. No run was started; the last run's status and report stay.`,
      };
    }
    refuseDiskRisk(
      prepared.disk,
      `of the data streams [${prepared.request.pattern}]`,
      prepared.request.allowDiskRisk ?? false,
    );
    const reindexOptions = this.reindex.options;
    try {
      await reindexOptions.temporal.workflow.start(reindexCluster, {
        workflowId: CLUSTER_UPGRADE_WORKFLOW_ID,
        taskQueue: reindexOptions.taskQueue,
        args: [
          {
            dataStreams: prepared.dataStreams,
            pattern: prepared.request.pattern,
            maxDataStreams: prepared.request.maxDataStreams,
            readOnly: prepared.readOnly,
            ...(prepared.request.reindexReadOnly === true ? { reindexReadOnly: true } : {}),
            ...(prepared.request.window !== undefined ? { window: prepared.request.window } : {}),
            dataStreamRun: {
              statusRetentionMs:
                reindexOptions.statusRetentionMs ?? WORKFLOW_TUNABLES.DEFAULT_STATUS_RETENTION_MS,
              maxIndicesPerRun:
                reindexOptions.maxIndicesPerRun ?? WORKFLOW_TUNABLES.DEFAULT_MAX_INDICES_PER_RUN,
              ...(prepared.verify !== DEFAULT_VERIFY_MODE ? { verify: prepared.verify } : {}),
            },
            ...(this.options.watchPollIntervalMs !== undefined
              ? { watchPollIntervalMs: this.options.watchPollIntervalMs }
              : {}),
            ...(this.options.maxDataStreamsPerRun !== undefined
              ? { maxDataStreamsPerRun: this.options.maxDataStreamsPerRun }
              : {}),
            ...(indices !== undefined
              ? {
                  standalone: { pattern: indices, indices: prepared.standaloneIndices },
                }
              : {}),
          },
        ],
        workflowIdConflictPolicy: 'FAIL',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw clusterErrors.alreadyRunning();
      throw err;
    }
    return { acknowledged: true, data_streams: prepared.dataStreams, ...standaloneAnswer };
  }

  /** The latest cluster run's status, running or finished, with each running data stream's live status. */
  async status(): Promise<ClusterStatusView> {
    let status: ClusterUpgradeStatus;
    try {
      status = await this.query();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw clusterErrors.noClusterUpgrade();
      throw err;
    }
    const running = await Promise.all(
      status.running.map(async (entry): Promise<RunningDataStreamView> => {
        const view = runningView(entry);
        if (entry.step !== 'upgrading' && entry.step !== 'cancelling') return view;
        const live = await this.reindex.status(entry.data_stream).catch(() => undefined);
        return live === undefined ? view : { ...view, status: live };
      }),
    );
    return { ...status, read_only: readOnlyView(status.read_only), running };
  }

  /**
   * The standalone part of the latest cluster run's status (one query, no data stream read), for the
   * worker's metrics; `undefined` when there is no run or it has no standalone indices.
   */
  async standaloneStatus(): Promise<StandaloneIndicesStatus | undefined> {
    try {
      return (await this.query()).standalone_indices;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Every data stream and standalone index the latest cluster run covers: whoever acts on the run must
   * manage all of them.
   */
  async dataStreams(): Promise<string[]> {
    const status = await this.status();
    const standalone = status.standalone_indices;
    return [
      ...status.pending,
      ...status.running.map((entry) => entry.data_stream),
      ...status.finished.map((entry) => entry.data_stream),
      ...(standalone === undefined
        ? []
        : [
            ...standalone.pending,
            ...standalone.running.map((entry) => entry.index),
            ...standalone.finished.map((entry) => entry.index),
          ]),
    ];
  }

  /**
   * Cancels the cluster run: every data stream upgrade it started is cancelled and rolled back, the rest
   * are not started. Answers once the run has ended (or after `cancelWaitMs`).
   */
  async cancel(): Promise<{ acknowledged: true }> {
    const handle = this.handle();
    await this.requireRunning();
    await handle.cancel();
    const waitMs = this.options.cancelWaitMs ?? 5 * 60_000;
    await Promise.race([
      handle.result().catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()),
    ]);
    return { acknowledged: true };
  }

  /**
   * Pauses the cluster run: no new data stream starts, and every upgrade it started stops starting new
   * backing indices; with `now`, their copies in flight stop too (and later resume without copying
   * anything twice). Sent as a Workflow Update: answered once the run has applied it, with the pause as it
   * then is. Refused (409) by the run once it is cancelling or has ended.
   */
  async pause(now: boolean): Promise<PauseAnswer> {
    await this.requireRunning();
    const handle = this.handle();
    const outcome = await pauseUpdateOutcome(() =>
      handle.executeUpdate(pauseClusterUpdate, { args: [{ now }] }),
    );
    return this.pauseAnswer('pause', outcome, () => handle.signal(pauseClusterSignal, { now }));
  }

  /** Resumes a paused cluster run and every upgrade it paused; refused (409) when it is not paused. */
  async resume(): Promise<PauseAnswer> {
    await this.requireRunning();
    const handle = this.handle();
    const outcome = await pauseUpdateOutcome(() => handle.executeUpdate(resumeClusterUpdate));
    return this.pauseAnswer('resume', outcome, () => handle.signal(resumeClusterSignal));
  }

  /**
   * The answer to a pause or resume. A run whose worker predates the updates gets the signal, as before,
   * and its pause is read back from its status (a query sees every signal the server accepted before it).
   */
  private async pauseAnswer(
    action: 'pause' | 'resume',
    outcome: PauseUpdateOutcome,
    signal: () => Promise<void>,
  ): Promise<PauseAnswer> {
    if (outcome.kind === 'applied') return outcome.answer;
    if (outcome.kind === 'refused') throw clusterErrors.pauseRefused(action, outcome.reason);
    if (outcome.kind === 'not-running') throw clusterErrors.noRunningClusterUpgrade();
    await signal();
    return pauseAnswerOf((await this.handle().query(clusterStatusQuery)).paused);
  }

  private async requireRunning(): Promise<void> {
    try {
      const description = await this.handle().describe();
      if (description.status.name !== 'RUNNING') throw clusterErrors.noRunningClusterUpgrade();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw clusterErrors.noRunningClusterUpgrade();
      throw err;
    }
  }

  /** The report of the latest cluster run (so far, while it runs). */
  async report(): Promise<ClusterReport> {
    return buildClusterReport(await this.status());
  }
}
