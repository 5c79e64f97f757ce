import type { ReindexDataStreamStatus } from '../shared/status';
import type { ReindexService } from '../service/reindex-service';
import type { JsonLogger } from '../observability/json-logger';
import type { WorkerMetrics } from './metrics';

/**
 * Keeps `ds_reindex_indices` equal to what `_status` says for every upgrade that has a status (running,
 * or finished and within its retention), read every `intervalMs` through the service that answers
 * `_status`, so a closed run counts as the API shows it. Reading the status rather than counting events
 * here makes the numbers right after a worker restart and with several workers (each reports the same
 * values; graph them with `max by (data_stream, state)`).
 */
export function startStatusMetrics(options: {
  service: Pick<ReindexService, 'list' | 'status'>;
  metrics: WorkerMetrics;
  logger: JsonLogger;
  intervalMs: number;
}): { stop(): void; refresh(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<void> {
    const statuses = new Map<string, ReindexDataStreamStatus>();
    for (const { data_stream: dataStream } of await options.service.list()) {
      try {
        statuses.set(dataStream, await options.service.status(dataStream));
      } catch (err) {
        // Its status ended between list and read (retention, a cancel): it has none any more.
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
