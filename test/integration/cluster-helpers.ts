import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { eventually, type UpgradeHarness } from '../support';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ClusterPlan } from '../../src/client/service/cluster-plan';
import { dataStreamWorkflowId } from '../../src/shared/names';
import type { AcceptedStart, ReindexDataStreamInput } from '../../src/workflows';
import {
  ClusterUpgradeService,
  type ClusterStatusView,
} from '../../src/client/service/cluster-upgrade-service';

const ROOT = resolve(__dirname, '../..');
const TSX_CLI = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const CLI_MAIN = resolve(ROOT, 'src/client/cli/main.ts');

/** The cluster service as the tests drive it: the harness's data-stream service, fast polling. */
export function clusterService(
  h: UpgradeHarness,
  options: { maxDataStreamsPerRun?: number } = {},
): ClusterUpgradeService {
  return new ClusterUpgradeService(h.service, { watchPollIntervalMs: 200, cancelWaitMs: 60_000, ...options });
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
    ...rest
  } = plan;
  return { ...rest, read_only: readOnly };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, with the worker's environment variable names. */
export function cli(h: UpgradeHarness, args: string[]): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX_CLI, CLI_MAIN, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: h.env.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: h.taskQueue,
        ES_URL: h.target.url,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
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
