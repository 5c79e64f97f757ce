import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { JsonLogger } from '../observability/json-logger';
import { upgradeOfWorkflowId } from '../observability/upgrade-of-workflow';
import type { WorkerMetrics } from './metrics';

type Failure = temporal.api.failure.v1.IFailure;

/** Why an attempt ended, as a metric label: the failure type, the timeout that fired, or `cancelled`. */
export function failureCause(failure: Failure | null | undefined): string {
  if (!failure) return 'unknown';
  const applicationType = failure.applicationFailureInfo?.type;
  if (applicationType) return applicationType;
  const timeoutType = failure.timeoutFailureInfo?.timeoutType;
  if (timeoutType !== undefined && timeoutType !== null) {
    const name = temporal.api.enums.v1.TimeoutType[timeoutType];
    return (name ?? 'TIMEOUT_TYPE_UNSPECIFIED').replace(/^TIMEOUT_TYPE_/, 'timeout_').toLowerCase();
  }
  if (failure.canceledFailureInfo) return 'cancelled';
  if (failure.cause) return failureCause(failure.cause);
  return 'unknown';
}

/**
 * Around every activity: its log lines carry the data stream and index (from the workflow id), and an
 * attempt that is a retry is counted by the cause of the attempt before. That cause is read from the
 * server (the pending activity's last failure), so it is right whichever worker ran the earlier attempt,
 * including one that was killed; the read runs beside the activity and never delays it.
 */
export function observingActivityInterceptors(options: {
  metrics: WorkerMetrics;
  client: Client;
  logger: JsonLogger;
}): ActivityInterceptorsFactory {
  return (context) => {
    const { info } = context;
    const execution = info.workflowExecution;
    const upgrade = upgradeOfWorkflowId(execution?.workflowId);
    const labels = upgrade
      ? { dataStream: upgrade.dataStream, ...(upgrade.index ? { index: upgrade.index } : {}) }
      : {};

    function countRetry(): void {
      if (info.attempt <= 1 || !upgrade || !execution) return;
      options.client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .describe()
        .then(
          (description) =>
            description.raw.pendingActivities?.find((pending) => pending.activityId === info.activityId)
              ?.lastFailure,
          (err: unknown) => {
            options.logger.debug('could not read why the previous attempt failed', {
              ...labels,
              error: err instanceof Error ? err.message : String(err),
            });
            return undefined;
          },
        )
        .then((lastFailure) => {
          const cause = failureCause(lastFailure);
          options.metrics.retried({ dataStream: upgrade.dataStream, activity: info.activityType, cause });
          options.logger.info('activity retried', {
            ...labels,
            workflowId: execution.workflowId,
            activityType: info.activityType,
            attempt: info.attempt,
            cause,
          });
        })
        .catch(() => undefined);
    }

    return {
      inbound: {
        execute(input, next) {
          countRetry();
          return next(input);
        },
      },
      outbound: {
        getLogAttributes(input, next) {
          return next({ ...labels, ...input });
        },
      },
    };
  };
}
