import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { SEED_MAPPINGS, seedDocId, type SeedIndexContent } from '@ds-reindex/es-sandbox';
import { eventually, type UpgradeHarness } from '../support/upgrade-harness';
import type { ClusterPlan } from '../../src/service/cluster-plan';
import { ClusterUpgradeService, type ClusterStatusView } from '../../src/service/cluster-upgrade-service';

const ROOT = resolve(__dirname, '../..');
const TSX_CLI = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const CLI_MAIN = resolve(ROOT, 'src/cli/main.ts');

/**
 * Seeds a real cluster the way the sandbox seeds itself: a template and a data stream, documents
 * `{@timestamp, message, n}` with the sandbox's ids, one rollover per backing index, then each index
 * marked as created by its `versionCreated` (7.17.0 by default) through the real-es node's test-only
 * `_set_version_created` (a real cluster cannot create old indices), and given its extra settings.
 * Replaces a data stream of that name. (Stands in until test/support seeds real clusters itself.)
 */
async function seedOnCluster(
  es: Client,
  name: string,
  contents: readonly SeedIndexContent[],
): Promise<string[]> {
  await es.indices.deleteDataStream({ name }, { ignore: [404] });
  await es.indices.putIndexTemplate({
    name: `${name}-template`,
    index_patterns: [name],
    data_stream: {},
    priority: 500,
    template: { mappings: SEED_MAPPINGS },
  });
  await es.indices.createDataStream({ name });
  for (const [i, content] of contents.entries()) {
    if (i > 0) await es.indices.rollover({ alias: name });
    const names = await backingIndices(es, name);
    const index = names[names.length - 1];
    const operations = Array.from({ length: content.docCount }, (_, n) => [
      { create: { _index: name, _id: seedDocId(index, n) } },
      {
        '@timestamp': new Date(Date.now() - (content.docCount - n) * 1000).toISOString(),
        message: `doc ${n}`,
        n,
      },
    ]).flat();
    for (let at = 0; at < operations.length; at += 10_000) {
      const response = await es.bulk({ operations: operations.slice(at, at + 10_000), refresh: true });
      if (response.errors) throw new Error(`seeding ${index} failed: ${JSON.stringify(response.items[0])}`);
    }
  }
  const names = await backingIndices(es, name);
  for (const [i, content] of contents.entries()) {
    await es.transport.request({
      method: 'POST',
      path: `/_local_shim/index/${encodeURIComponent(names[i])}/_set_version_created`,
      body: { version_created: content.versionCreated ?? 7_170_099 },
    });
    if (content.settings !== undefined)
      await es.indices.putSettings({ index: names[i], settings: content.settings });
    if (content.closed === true) await es.indices.close({ index: names[i] });
  }
  return names;
}

async function backingIndices(es: Client, name: string): Promise<string[]> {
  const response = await es.indices.getDataStream({ name });
  return response.data_streams[0]?.indices.map((entry) => entry.index_name) ?? [];
}

/** Seeds a data stream of old backing indices, on the sandbox or the cluster at ES_URL; names, oldest first. */
export function seedOldDataStream(
  h: UpgradeHarness,
  name: string,
  backingIndices: SeedIndexContent[],
): Promise<string[]> {
  return h.target.controls ? h.seed(name, backingIndices) : seedOnCluster(h.es, name, backingIndices);
}

/** The cluster service as the tests drive it: the harness's data-stream service, fast polling. */
export function clusterService(
  h: UpgradeHarness,
  options: { maxDataStreamsPerRun?: number } = {},
): ClusterUpgradeService {
  return new ClusterUpgradeService(h.service, { watchPollIntervalMs: 200, cancelWaitMs: 60_000, ...options });
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
