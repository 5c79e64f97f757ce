import { eventually, runCliOn, type CliRun, type UpgradeHarness } from '../support';
import { defaultPayloadConverter } from '@temporalio/common';
import { createHttpApi, type HttpApi } from '../../src/client/http-api/server';
import type { ClusterPlan } from '../../src/client/service/cluster-plan';
import { dataStreamWorkflowId } from '../../src/shared/names';
import type { AcceptedStart, ReindexDataStreamInput } from '../../src/workflows';
import {
  ClusterUpgradeService,
  type ClusterStatusView,
} from '../../src/client/service/cluster-upgrade-service';

/** The cluster service as the tests drive it: the harness's data-stream service, fast polling. */
export function clusterService(
  h: UpgradeHarness,
  options: { maxDataStreamsPerRun?: number } = {},
): ClusterUpgradeService {
  return new ClusterUpgradeService(h.service, { watchPollIntervalMs: 200, cancelWaitMs: 60_000, ...options });
}

/** The HTTP API over the harness's service and a cluster service, on a free port. */
export function startClusterHttpApi(h: UpgradeHarness): Promise<HttpApi> {
  return createHttpApi({
    service: h.service,
    clusterService: clusterService(h),
    esConfig: { url: h.target.url, requestTimeoutMs: 30_000 },
    port: 0,
  });
}

/** The `accepted` totals a data stream's latest upgrade was started with, read from its first event. */
export async function acceptedStartOf(
  h: UpgradeHarness,
  dataStream: string,
): Promise<AcceptedStart | undefined> {
  const history = await h.env.client.workflow.getHandle(dataStreamWorkflowId(dataStream)).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (payload === undefined || payload === null) throw new Error(`the upgrade of ${dataStream} has no input`);
  return defaultPayloadConverter.fromPayload<ReindexDataStreamInput>(payload).accepted;
}

/** Polls the cluster status until the run has ended. */
export function clusterCompletion(
  service: ClusterUpgradeService,
  timeoutMs = 90_000,
): Promise<ClusterStatusView> {
  return eventually(
    async () => {
      const status = await service.status();
      return status.complete ? status : undefined;
    },
    'the cluster upgrade to end',
    timeoutMs,
    200,
  );
}

/** A plan without what depends on the instant it was made. */
export function withoutVolatileFields(plan: ClusterPlan): unknown {
  const {
    generated_at_millis: _generated,
    read_only: { cutoff_millis: _cutoff, ...readOnly },
    disk,
    ...rest
  } = plan;
  // A real node's free space moves between two reads (its own writes, other processes): the rest of
  // the disk plan (watermarks, copies, space needed at once) must agree.
  const nodes = disk.nodes.map(({ available_bytes: _available, verdict: _verdict, ...node }) => node);
  return { ...rest, read_only: readOnly, disk: { ...disk, nodes } };
}

/** Runs the CLI as a user would, against the harness's Temporal server and Elasticsearch. */
export function cli(h: UpgradeHarness, args: string[]): Promise<CliRun> {
  return runCliOn(h, args);
}

/** The backing indices' flat settings, by index. */
export async function flatSettings(
  h: UpgradeHarness,
  indices: readonly string[],
): Promise<Record<string, Record<string, string>>> {
  const response = await h.es.indices.getSettings({
    index: indices.join(','),
    flat_settings: true,
    expand_wildcards: 'all',
  });
  return Object.fromEntries(
    Object.entries(response).map(([name, entry]) => [name, (entry.settings ?? {}) as Record<string, string>]),
  );
}
