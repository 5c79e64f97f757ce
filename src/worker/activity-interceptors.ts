import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { JsonLogger } from '../observability/json-logger';
import { upgradeOfWorkflowId } from '../observability/upgrade-of-workflow';
import type { WorkerMetrics } from './metrics';

type Failure = temporal.api.failure.v1.IFailure;

/** Local activities whose last failure is remembered, for the retry counter (a few bytes each). */
const MAX_REMEMBERED_LOCAL_FAILURES = 10_000;

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
 * The failure type of the last failed attempt of each local activity run here, until it succeeds.
 * Attempts retried on another worker never come back here, so it is bounded.
 */
class LocalFailures {
  private readonly byKey = new Map<string, string>();

  get(key: string | undefined): string {
    return (key !== undefined ? this.byKey.get(key) : undefined) ?? 'unknown';
  }

  /** A failed attempt; a non-retryable failure is not retried, so nothing to remember. */
  failed(key: string, err: unknown): void {
    if (err instanceof ApplicationFailure && err.nonRetryable) return;
    this.byKey.set(key, err instanceof ApplicationFailure && err.type ? err.type : 'unknown');
    const oldest = this.byKey.keys().next();
    if (this.byKey.size > MAX_REMEMBERED_LOCAL_FAILURES && !oldest.done) this.byKey.delete(oldest.value);
  }

  succeeded(key: string): void {
    this.byKey.delete(key);
  }
}

interface InterceptorOptions {
  metrics: WorkerMetrics;
  client: Client;
  logger: JsonLogger;
}

/** The failure that ended the attempt before, as the server recorded it on the pending activity. */
async function lastFailureOnServer(
  options: InterceptorOptions,
  attempt: { workflowId: string; runId: string; activityId: string },
  labels: Record<string, string>,
): Promise<Failure | undefined> {
  try {
    const description = await options.client.workflow.getHandle(attempt.workflowId, attempt.runId).describe();
    return (
      description.raw.pendingActivities?.find((pending) => pending.activityId === attempt.activityId)
        ?.lastFailure ?? undefined
    );
  } catch (err) {
    options.logger.debug('could not read why the previous attempt failed', {
      ...labels,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/**
 * Around every activity: its log lines carry the data stream and index (from the workflow id), and an
 * attempt that is a retry is counted by the cause of the attempt before. That cause is read from the
 * server (the pending activity's last failure), so it is right whichever worker ran the earlier attempt,
 * including one that was killed; the read runs beside the activity and never delays it. A local
 * activity has no pending entry on the server: its attempts run on this worker (until the workflow task
 * moves), so the cause is what this worker saw the attempt before throw.
 */
export function observingActivityInterceptors(options: InterceptorOptions): ActivityInterceptorsFactory {
  const localFailures = new LocalFailures();
  return (context) => {
    const { info } = context;
    const execution = info.workflowExecution;
    const upgrade = upgradeOfWorkflowId(execution?.workflowId);
    const labels = upgrade
      ? { dataStream: upgrade.dataStream, ...(upgrade.index ? { index: upgrade.index } : {}) }
      : {};

    /**
     * A local activity's attempts, across retries: its id changes when a retry waits on a timer, so the
     * key is the run, the type and the arguments.
     */
    const localKeyOf = (args: unknown[]): string | undefined =>
      execution ? `${execution.runId}/${info.activityType}/${JSON.stringify(args).slice(0, 500)}` : undefined;

    function countRetry(localKey: string | undefined): void {
      if (info.attempt <= 1 || !upgrade || !execution) return;
      const cause: Promise<string> = info.isLocal
        ? Promise.resolve(localFailures.get(localKey))
        : lastFailureOnServer(options, { ...execution, activityId: info.activityId }, labels).then(
            failureCause,
          );
      cause
        .then((why) => {
          options.metrics.retried({
            dataStream: upgrade.dataStream,
            activity: info.activityType,
            cause: why,
          });
          options.logger.info('activity retried', {
            ...labels,
            workflowId: execution.workflowId,
            activityType: info.activityType,
            attempt: info.attempt,
            cause: why,
          });
        })
        .catch(() => undefined);
    }

    return {
      inbound: {
        async execute(input, next) {
          const localKey = info.isLocal ? localKeyOf(input.args) : undefined;
          countRetry(localKey);
          if (!info.isLocal || localKey === undefined) return next(input);
          try {
            const result: unknown = await next(input);
            localFailures.succeeded(localKey);
            return result;
          } catch (err) {
            localFailures.failed(localKey, err);
            throw err;
          }
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
