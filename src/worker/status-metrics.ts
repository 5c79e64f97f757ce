import type { ClusterUpgradeService } from '../client/service/cluster-upgrade-service';
import type { ReindexService } from '../client/service/reindex-service';
import type { JsonLogger } from '../observability/json-logger';
import type { WorkerMetrics } from './metrics';

/**
 * Keeps `ds_reindex_indices` equal to what `_status` says for every upgrade that has a status (running,
 * or finished and within its retention), read every `intervalMs` through the service that answers
 * `_status` (each upgrade looked up once per read), so a closed run counts as the API shows it; and
 * `ds_reindex_standalone_indices` equal to the latest cluster run's status, as `status --all` shows it.
 * Reading the status rather than counting events
 * here makes the numbers right after a worker restart and with several workers (each reports the same
 * values; graph them with `max by (data_stream, state)`).
 */
export function startStatusMetrics(options: {
  service: Pick<ReindexService, 'statuses'>;
  cluster: Pick<ClusterUpgradeService, 'standaloneStatus'>;
  metrics: WorkerMetrics;
  logger: JsonLogger;
  intervalMs: number;
}): { stop(): void; refresh(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<void> {
    const [statuses, standalone] = await Promise.all([
      options.service.statuses(),
      options.cluster.standaloneStatus(),
    ]);
    options.metrics.setStatuses(statuses);
    options.metrics.setStandaloneIndices(standalone);
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
