import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client as TemporalClient,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { apiErrors, REINDEX_ACTIONS, requireConcreteDataStreamName } from './api-error';
import { WORKFLOW_TUNABLES } from '../workflows/tunables';
import { inspectDataStream, type DataStreamInspection } from '../elasticsearch/data-stream-inspection';
import { DataStreamNotFoundError, getDataStream } from '../elasticsearch/data-streams';
import { dataStreamWorkflowId } from '../shared/names';
import { DATA_STREAM_SEARCH_ATTRIBUTE, REINDEX_STATE_SEARCH_ATTRIBUTE } from '../shared/search-attributes';
import { withHumanReadableTimes, type ReindexDataStreamStatus } from '../shared/status';
import { maxConcurrentIndicesChangedSignal, reindexDataStream, statusQuery } from '../workflows';

export interface ReindexServiceOptions {
  temporal: TemporalClient;
  taskQueue: string;
  /** How long a finished status stays readable; default 24 hours. */
  statusRetentionMs?: number;
  /** Backing indices per workflow run before continue-as-new. */
  maxIndicesPerRun?: number;
  /** How long `cancel` waits for the rollback to finish before answering; default 60 s. */
  cancelWaitMs?: number;
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
 * Elasticsearch's reindex-data-stream semantics on top of Temporal, shared by the HTTP API and the CLI:
 * a start is refused while an unfinished upgrade exists, replaces a finished one, and 404s for anything
 * that is not a data stream; status and cancel 404 when there is no task. Status always comes from the
 * workflow's query, so every client agrees with the Web UI.
 */
export class ReindexService {
  constructor(readonly options: ReindexServiceOptions) {}

  private handle(dataStream: string) {
    return this.options.temporal.workflow.getHandle<typeof reindexDataStream>(
      dataStreamWorkflowId(dataStream),
    );
  }

  /** The running execution for this data stream, or `undefined` when there is none. */
  private async describeRunning(dataStream: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      const description = await this.handle(dataStream).describe();
      return description.status.name === 'RUNNING' ? description : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Checks, with the caller's Elasticsearch client, that the name is a data stream. */
  async requireDataStream(es: ElasticsearchClient, dataStream: string): Promise<void> {
    try {
      await getDataStream(es, dataStream);
    } catch (err) {
      if (err instanceof DataStreamNotFoundError) throw apiErrors.dataStreamNotFound(dataStream);
      throw err;
    }
  }

  /** `POST /_migration/reindex`. */
  async start(es: ElasticsearchClient, dataStream: string): Promise<{ acknowledged: true }> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.start, dataStream);
    if (/[*,]/.test(dataStream)) throw apiErrors.dataStreamNotFound(dataStream);
    await this.requireDataStream(es, dataStream);
    const running = await this.describeRunning(dataStream);
    if (running !== undefined) {
      const status = await this.handle(dataStream).query(statusQuery);
      if (!status.complete) throw apiErrors.taskAlreadyExists(dataStream);
      // A finished task is replaced by a new start, as in Elasticsearch. Terminate that run only, so two
      // racing starts cannot terminate each other's new run.
      await this.options.temporal.workflow
        .getHandle(running.workflowId, running.runId)
        .terminate('replaced by a new start')
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
    }
    try {
      await this.options.temporal.workflow.start(reindexDataStream, {
        workflowId: dataStreamWorkflowId(dataStream),
        taskQueue: this.options.taskQueue,
        args: [
          {
            dataStream,
            statusRetentionMs:
              this.options.statusRetentionMs ?? WORKFLOW_TUNABLES.DEFAULT_STATUS_RETENTION_MS,
            maxIndicesPerRun: this.options.maxIndicesPerRun ?? WORKFLOW_TUNABLES.DEFAULT_MAX_INDICES_PER_RUN,
          },
        ],
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
    if ((await this.describeRunning(dataStream)) === undefined) throw apiErrors.noStatus(dataStream);
    let status: ReindexDataStreamStatus;
    try {
      status = await this.handle(dataStream).query(statusQuery);
    } catch (err) {
      // It closed between describe and query: nothing to report, as for any finished task past retention.
      if (err instanceof WorkflowNotFoundError) throw apiErrors.noStatus(dataStream);
      throw err;
    }
    return human ? withHumanReadableTimes(status) : status;
  }

  /**
   * `POST /_migration/reindex/<ds>/_cancel`: cancels the workflow, which cancels its children, their
   * Elasticsearch reindex tasks, and rolls unfinished indices back. Answers once that is done (or after
   * `cancelWaitMs`), so a status right after is a 404 and a new start is allowed.
   */
  async cancel(dataStream: string): Promise<{ acknowledged: true }> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.cancel, dataStream);
    const running = await this.describeRunning(dataStream);
    if (running === undefined) throw apiErrors.noTaskToCancel(dataStreamWorkflowId(dataStream));
    const handle = this.options.temporal.workflow.getHandle(running.workflowId, running.runId);
    await handle.cancel();
    const waitMs = this.options.cancelWaitMs ?? 60_000;
    await Promise.race([
      handle.result().catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref()),
    ]);
    return { acknowledged: true };
  }

  /** Beyond Elasticsearch: what an upgrade would do, changing nothing. */
  async plan(es: ElasticsearchClient, dataStream: string): Promise<DataStreamInspection> {
    requireConcreteDataStreamName(REINDEX_ACTIONS.start, dataStream);
    try {
      return await inspectDataStream(es, dataStream);
    } catch (err) {
      if (err instanceof DataStreamNotFoundError) throw apiErrors.dataStreamNotFound(dataStream);
      throw err;
    }
  }

  /** Beyond Elasticsearch: every data-stream upgrade that still has a status. */
  async list(): Promise<ReindexTaskSummary[]> {
    const summaries: ReindexTaskSummary[] = [];
    const query = `WorkflowType = '${DATA_STREAM_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    for await (const execution of this.options.temporal.workflow.list({ query })) {
      const attributes = execution.typedSearchAttributes;
      summaries.push({
        data_stream:
          attributes.get(DATA_STREAM_SEARCH_ATTRIBUTE) ??
          execution.workflowId.replace(/^reindex-data-stream-/, ''),
        workflow_id: execution.workflowId,
        state: attributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE) ?? 'running',
        start_time_millis: execution.startTime.getTime(),
      });
    }
    return summaries.sort((a, b) => a.data_stream.localeCompare(b.data_stream));
  }

  /** Tells every running upgrade that the concurrency setting changed, so it applies at once. */
  async notifyMaxConcurrentIndices(value: number): Promise<void> {
    const running = await this.list();
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
