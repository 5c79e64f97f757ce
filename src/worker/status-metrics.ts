import type { Client } from '@temporalio/client';
import type { ReindexDataStreamStatus } from '../shared/status';
import { reindexDataStream, statusQuery } from '../workflows';
import type { JsonLogger } from '../observability/json-logger';
import { upgradeOfWorkflowId } from '../observability/upgrade-of-workflow';
import type { WorkerMetrics } from './metrics';

/**
 * Keeps `ds_reindex_indices` equal to what `_status` says for every upgrade on this task queue that has a
 * status (running, or finished and within its retention), read every `intervalMs`. Reading the status
 * rather than counting events here makes the numbers right after a worker restart and with several
 * workers (each reports the same values; graph them with `max by (data_stream, state)`).
 */
export function startStatusMetrics(options: {
  client: Client;
  taskQueue: string;
  metrics: WorkerMetrics;
  logger: JsonLogger;
  intervalMs: number;
}): { stop(): void; refresh(): Promise<void> } {
  const query =
    `WorkflowType = '${reindexDataStream.name}' AND ExecutionStatus = 'Running' ` +
    `AND TaskQueue = '${options.taskQueue.replace(/'/g, "\\'")}'`;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<void> {
    const statuses = new Map<string, ReindexDataStreamStatus>();
    for await (const execution of options.client.workflow.list({ query })) {
      const dataStream = upgradeOfWorkflowId(execution.workflowId)?.dataStream;
      if (dataStream === undefined) continue;
      try {
        statuses.set(
          dataStream,
          await options.client.workflow.getHandle(execution.workflowId).query(statusQuery),
        );
      } catch (err) {
        // Closed between list and query: it has no status any more.
        options.logger.debug('could not read an upgrade status for metrics', {
          dataStream,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    options.metrics.setStatuses(statuses);
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      refresh()
        .catch((err: unknown) =>
          options.logger.warn('could not read upgrade statuses for metrics', {
            error: err instanceof Error ? err.message : String(err),
          }),
        )
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  }

  schedule();
  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
