import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import {
  Worker,
  type ActivityInterceptorsFactory,
  type NativeConnection,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import type { CopyObserver } from '../activities/dependencies';
import type { WorkerConfig } from '../config';
import { TRACING_OFF, type Tracing } from '../observability/tracing';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './workflow-modules';
import { tracingActivityInterceptors, workflowSpanSinks } from './worker-tracing';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  es: ElasticsearchClient;
  temporal: TemporalClient;
  worker: WorkerConfig;
  /** A pre-built bundle (tests, the Docker image); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
  /** Told about every running copy (the worker's metrics). */
  copyObserver?: CopyObserver;
  /** Around every activity (the worker's logs and metrics). */
  activityInterceptors?: ActivityInterceptorsFactory[];
  /** Spans of activities and workflows (see src/observability/tracing.ts). @default off */
  tracing?: Tracing;
  /** After shutdown is requested, how long activities may finish before they are cancelled. @default 10 000 */
  shutdownGraceMs?: number;
  /** After shutdown is requested, when the worker gives up waiting and fails. @default none */
  shutdownForceMs?: number;
}

const STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS = 1_000;

/** The worker, as `npm run worker`, the image and the tests all build it. */
export async function createReindexWorker(options: CreateWorkerOptions): Promise<Worker> {
  const tracing = options.tracing ?? TRACING_OFF;
  // The tracing span first, so the attempt's logs, metrics and Elasticsearch requests happen inside it.
  const activityInterceptors = [
    ...tracingActivityInterceptors(tracing),
    ...(options.activityInterceptors ?? []),
  ];
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    // A pre-built bundle has the interceptor modules in it (workflowBundleOptions); otherwise bundle them.
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    interceptors: {
      activity: activityInterceptors,
      ...(options.workflowBundle ? {} : { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES] }),
    },
    sinks: workflowSpanSinks(tracing),
    activities: createActivities({
      es: options.es,
      temporal: options.temporal,
      worker: options.worker,
      copyObserver: options.copyObserver,
    }),
    // Heartbeats reach the server at least every second, so a cancel reaches a running copy at once.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    // A workflow task (a copy's progress signal, a status query) waits this long for the worker that
    // cached the workflow before any worker takes it: after a crash, that is how long the status stands
    // still. A live worker picks its tasks up in milliseconds, so a second loses nothing (default 10 s).
    stickyQueueScheduleToStartTimeout: STICKY_QUEUE_SCHEDULE_TO_START_TIMEOUT_MS,
    // Let a running copy notice the shutdown and return without cancelling its Elasticsearch task.
    shutdownGraceTime: options.shutdownGraceMs ?? 10_000,
    ...(options.shutdownForceMs !== undefined ? { shutdownForceTime: options.shutdownForceMs } : {}),
  });
}
