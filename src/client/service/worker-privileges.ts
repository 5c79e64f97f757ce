import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client as TemporalClient } from '@temporalio/client';
import { ElasticsearchApiError } from './api-error';
import type { PrivilegeCheck, PrivilegeTargets } from '../../shared/privileges';
import { workerPrivilegeCheck } from '../../workflows';

/** How long `plan` and `start` wait for a worker to check its privileges before going on without. */
const PRIVILEGE_CHECK_TIMEOUT = '30 seconds';

/** gRPC's UNIMPLEMENTED: the time-skipping test server cannot describe a task queue. */
const GRPC_UNIMPLEMENTED = 12;

/**
 * A poller last seen longer ago than this has stopped: an idle worker's long poll returns and is renewed
 * within about a minute, but the server lists a poller for 5 minutes after its last poll.
 */
const POLLER_LAST_SEEN_WITHIN_MS = 90_000;

/** Milliseconds since the epoch of a protobuf timestamp, 0 when absent. */
function timestampMillis(
  time: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined,
): number {
  if (!time) return 0;
  const seconds = typeof time.seconds === 'number' ? time.seconds : (time.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/**
 * Whether a worker polls the task queue for workflow tasks now; `false` from a server that cannot say,
 * which then leaves the check to the upgrade's first step.
 */
export async function workerPolls(temporal: TemporalClient, taskQueue: string): Promise<boolean> {
  try {
    const answer = await temporal.workflowService.describeTaskQueue({
      namespace: temporal.options.namespace,
      taskQueue: { name: taskQueue },
    });
    const seenSince = Date.now() - POLLER_LAST_SEEN_WITHIN_MS;
    return (answer.pollers ?? []).some((poller) => timestampMillis(poller.lastAccessTime) >= seenSince);
  } catch (err) {
    if ((err as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return false;
    throw err;
  }
}

/**
 * What the worker's own credentials lack for an upgrade of `targets`, asked of a running worker (the
 * credentials never leave it). `undefined` when no worker polls the task queue or none answered in time:
 * the upgrade then checks again as its first step, before it changes anything.
 */
export async function checkWorkerPrivileges(
  temporal: TemporalClient,
  taskQueue: string,
  targets: PrivilegeTargets,
): Promise<PrivilegeCheck | undefined> {
  if (targets.dataStreams.length === 0 || !(await workerPolls(temporal, taskQueue))) return undefined;
  try {
    return await temporal.workflow.execute(workerPrivilegeCheck, {
      taskQueue,
      workflowId: `ds-reindex-privilege-check-${randomUUID()}`,
      args: [targets],
      workflowExecutionTimeout: PRIVILEGE_CHECK_TIMEOUT,
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError) return undefined;
    throw err;
  }
}

/**
 * Refuses `action` with Elasticsearch's 403 when the worker's credentials lack a privilege the upgrade of
 * `targets` needs, naming the privilege, where, the action Elasticsearch would refuse and why: before
 * anything changes, as Kibana's Upgrade Assistant checks before it starts.
 */
export async function requireWorkerPrivileges(
  temporal: TemporalClient,
  taskQueue: string,
  action: string,
  targets: PrivilegeTargets,
): Promise<void> {
  const check = await checkWorkerPrivileges(temporal, taskQueue, targets);
  if (check === undefined || check.missing.length === 0) return;
  throw new ElasticsearchApiError(
    403,
    'security_exception',
    `action [${action}] cannot be done: ${check.message}`,
  );
}
