import type { Client } from '@elastic/elasticsearch';
import type { IndicesCreateRequest } from '@elastic/elasticsearch/lib/api/types';
import { call } from './http-api-helpers';
import { cli, clusterCompletion, clusterService, startClusterHttpApi } from './cluster-helpers';
import {
  blockingOnCluster,
  eventually,
  itOnSandbox,
  REAL_CLUSTER_URL,
  resetMigrateSettings,
  setMigrateSettings,
  useUpgradeHarness,
  withTasksIndexFrom717,
} from '../support';
import type { ReadinessReport } from '../../src/client/service/readiness-report';
import type { ClusterPlan } from '../../src/client/service/cluster-plan';
import { EXIT_CODES } from '../../src/client/cli/exit-codes';
import { CLUSTER_UPGRADE_WORKFLOW_ID } from '../../src/workflows/cluster-definitions';
import { standaloneIndexWorkflowId } from '../../src/shared/names';
import { JsonLogger } from '../../src/observability/json-logger';
import { WorkerMetrics } from '../../src/worker/metrics';
import { startStatusMetrics } from '../../src/worker/status-metrics';

const V7_17_0 = 7_170_099;

/** No data stream matches `sa-none-*`: the cluster run then has only the standalone indices of `indices`. */
const NO_DATA_STREAMS = 'sa-none-*';

/** `ds-reindex <command> --all` on no data stream and the standalone indices of `indices`. */
const standaloneArgs = (command: 'plan' | 'start', indices: string): string[] => [
  command,
  '--all',
  '--pattern',
  NO_DATA_STREAMS,
  '--indices',
  indices,
];

/** The cluster service's options for the same run, with no read-only rule. */
const standaloneOnly = (indices: string) =>
  ({ pattern: NO_DATA_STREAMS, includeSystem: false, readOnly: { kind: 'none' }, indices }) as const;

/** The concrete indices a pattern names, with their open/closed status, from `_cat/indices`. */
async function catIndices(es: Client, pattern: string): Promise<Record<string, string>> {
  const rows = await es.cat.indices({
    index: pattern,
    expand_wildcards: 'all',
    h: 'index,status',
    format: 'json',
  });
  return Object.fromEntries(rows.map((row) => [row.index ?? '', row.status ?? '']));
}

/** `.tasks`, the system index the real node has once a task result is stored; the sandbox keeps none. */
const itOnRealNode = (name: string, test: () => Promise<void>, timeoutMs?: number): void =>
  REAL_CLUSTER_URL === undefined
    ? it.skip(`${name} (real node only: the sandbox has no system indices)`, test)
    : it(name, test, timeoutMs);

// Standalone indices in the whole-cluster run (`start --all --indices`), on the sandbox and on the real
// node: each old index is reindexed under its own workflow, and one `_aliases` call moves its name and
// every alias to the new index. Every claim is read back from Elasticsearch itself.
describe('standalone indices in the cluster run', () => {
  const h = useUpgradeHarness('standalone-indices');
  const OURS = [
    'sa-can-1',
    'sa-can-2',
    'sa-app',
    'sa-closed',
    '.sa-hidden',
    'sa-frozen',
    'sa-queries',
    'sa-slow',
    'sa-reopen',
    'sa-outside',
    'sa-window',
  ];
  const MIGRATED = OURS.map((name) =>
    name.startsWith('.') ? `.migrated-${name.slice(1)}` : `migrated-${name}`,
  );

  // A real node keeps what an earlier run of this file left (a name may be an alias by now).
  beforeAll(async () => {
    // The new indices first: with them go the aliases that carry the old names.
    await h().es.indices.delete({ index: MIGRATED, ignore_unavailable: true });
    await h().es.indices.delete({ index: OURS, ignore_unavailable: true });
  });

  afterEach(async () => {
    await resetMigrateSettings(h().es);
  });

  async function oldIndex(
    index: string,
    body: Omit<IndicesCreateRequest, 'index'>,
    docs = 20,
  ): Promise<void> {
    await h().es.indices.create({ ...body, index });
    if (docs > 0)
      await h().es.bulk({
        refresh: true,
        operations: Array.from({ length: docs }, (_, n) => [
          { create: { _index: index, _id: `d${n}` } },
          { n, tag: n % 2 === 0 ? 'even' : 'odd' },
        ]).flat(),
      });
    await h().target.markCreatedBy(index, V7_17_0);
  }

  it('reindexes each old standalone index, moves every alias, and the readiness report says ready', async () => {
    const es = h().es;
    await oldIndex('sa-app', {
      settings: { 'index.lifecycle.name': 'sa-keep' },
      aliases: {
        'sa-app-write': { is_write_index: true },
        'sa-app-even': { filter: { term: { tag: 'even' } }, index_routing: '1', search_routing: '1,2' },
      },
    });
    await oldIndex('sa-closed', {}, 7);
    await es.indices.close({ index: 'sa-closed' });
    await oldIndex('.sa-hidden', { settings: { 'index.hidden': true } }, 5);
    await oldIndex('sa-frozen', {}, 3);
    await es.indices.addBlock({ index: 'sa-frozen', block: 'write' });
    const sourceSettings = (await es.indices.getSettings({ index: 'sa-app', flat_settings: true }))['sa-app']
      ?.settings as Record<string, string>;

    const planRun = await cli(h(), [...standaloneArgs('plan', 'sa-*,.sa-*'), '--json']);
    expect(planRun.stderr).toBe('');
    const plan = JSON.parse(planRun.stdout) as ClusterPlan;
    const paths = Object.fromEntries(
      (plan.standalone_indices?.indices ?? []).map((entry) => [entry.index, entry.path]),
    );
    expect(paths).toEqual({
      '.sa-hidden': 'reindex',
      'sa-app': 'reindex',
      'sa-closed': 'reindex',
      'sa-frozen': 'skip',
    });

    const run = await cli(h(), [...standaloneArgs('start', 'sa-*,.sa-*'), '--wait', '--interval-ms', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    // The old name is an alias of the new index, with every alias moved over with its options.
    expect(await es.indices.getAlias({ index: 'migrated-sa-app' })).toEqual({
      'migrated-sa-app': {
        aliases: {
          'sa-app': {},
          'sa-app-even': { filter: { term: { tag: 'even' } }, index_routing: '1', search_routing: '1,2' },
          'sa-app-write': { is_write_index: true },
        },
      },
    });
    expect(await catIndices(es, 'migrated-sa-app,migrated-sa-closed,.migrated-sa-hidden')).toEqual({
      'migrated-sa-app': 'open',
      'migrated-sa-closed': 'close',
      '.migrated-sa-hidden': 'open',
    });
    // The old concrete indices are gone: their names resolve to the new ones only.
    expect(Object.keys(await catIndices(es, 'sa-app,sa-closed,.sa-hidden')).sort()).toEqual([
      '.migrated-sa-hidden',
      'migrated-sa-app',
      'migrated-sa-closed',
    ]);
    expect((await es.count({ index: 'sa-app' })).count).toBe(20);
    const written = await es.index({ index: 'sa-app-write', document: { n: 99 }, refresh: true });
    expect(written._index).toBe('migrated-sa-app');
    const hidden = await es.indices.getAlias({ name: '.sa-hidden', expand_wildcards: 'all' });
    expect(hidden).toEqual({ '.migrated-sa-hidden': { aliases: { '.sa-hidden': { is_hidden: true } } } });
    const newSettings = (await es.indices.getSettings({ index: 'migrated-sa-app', flat_settings: true }))[
      'migrated-sa-app'
    ]?.settings as Record<string, string>;
    expect(newSettings['index.lifecycle.origination_date']).toBe(sourceSettings['index.creation_date']);
    expect(newSettings['index.lifecycle.name']).toBe('sa-keep');
    // The verified read-only index is left as it was.
    expect(await catIndices(es, 'sa-frozen')).toEqual({ 'sa-frozen': 'open' });

    const status = await clusterService(h()).status();
    expect(status.standalone_indices?.finished.map((entry) => [entry.index, entry.outcome]).sort()).toEqual([
      ['.sa-hidden', 'upgraded'],
      ['sa-app', 'upgraded'],
      ['sa-closed', 'upgraded'],
    ]);

    const readiness = await cli(h(), ['readiness', '--json']);
    const report = JSON.parse(readiness.stdout) as ReadinessReport;
    const ours = report.old_indices.filter(
      (entry) => OURS.includes(entry.index) || MIGRATED.includes(entry.index),
    );
    expect(ours.map((entry) => [entry.index, entry.blocking])).toEqual([['sa-frozen', false]]);
    const expected = await blockingOnCluster(es);
    expect(report.blocking_indices).toBe(expected.length);
    if (h().target.kind === 'sandbox') {
      expect(report.verdict).toBe('ready');
      expect(readiness.code).toBe(EXIT_CODES.OK);
    }
  }, 240_000);

  it('reindexes an index marked read-only when asked, and gives its name to the new index', async () => {
    const es = h().es;
    if (!(await es.indices.exists({ index: 'sa-frozen' }))) {
      await oldIndex('sa-frozen', {}, 3);
      await es.indices.addBlock({ index: 'sa-frozen', block: 'write' });
    }
    const run = await cli(h(), [
      ...standaloneArgs('start', 'sa-frozen'),
      '--reindex-read-only',
      '--wait',
      '--interval-ms',
      '200',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await es.indices.getAlias({ name: 'sa-frozen' })).toEqual({
      'migrated-sa-frozen': { aliases: { 'sa-frozen': {} } },
    });
    expect((await es.count({ index: 'sa-frozen' })).count).toBe(3);
  }, 120_000);

  it('a cancel mid-copy puts the index back as it was, aliases and all, and removes the copy', async () => {
    const es = h().es;
    // Several batches of 1,000, throttled: the copy waits between them, and the cancel comes meanwhile.
    await oldIndex('sa-slow', { aliases: { 'sa-slow-read': {} } }, 3000);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    const prepared = await service.prepareStart(es, {
      ...standaloneOnly('sa-slow'),
      maxDataStreams: 1,
    });
    expect(prepared.standaloneIndices).toEqual(['sa-slow']);
    await service.start(prepared);
    await eventually(
      async () => ((await es.indices.exists({ index: 'migrated-sa-slow' })) ? true : undefined),
      'the copy into migrated-sa-slow to start',
    );
    await service.cancel();
    const status = await clusterCompletion(service);
    expect(status.state).toBe('cancelled');
    expect(status.standalone_indices?.finished).toMatchObject([{ index: 'sa-slow', outcome: 'cancelled' }]);
    expect(await es.indices.exists({ index: 'migrated-sa-slow' })).toBe(false);
    expect(await es.indices.getAlias({ index: 'sa-slow' })).toEqual({
      'sa-slow': { aliases: { 'sa-slow-read': {} } },
    });
    const settings = (await es.indices.getSettings({ index: 'sa-slow', flat_settings: true }))['sa-slow']
      ?.settings as Record<string, string>;
    expect(settings['index.blocks.write']).toBeUndefined();
    expect((await es.count({ index: 'sa-slow' })).count).toBe(3000);
  }, 180_000);

  it('an index whose workflow is cancelled from outside the run is rolled back, and the report says so', async () => {
    const es = h().es;
    await oldIndex('sa-outside', { aliases: { 'sa-outside-read': {} } }, 3000);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(es, { ...standaloneOnly('sa-outside'), maxDataStreams: 1 }),
    );
    await eventually(
      async () => ((await es.indices.exists({ index: 'migrated-sa-outside' })) ? true : undefined),
      'the copy into migrated-sa-outside to start',
    );
    // Not the run's cancel: its own workflow's, as an operator might in the Web UI.
    await h().env.client.workflow.getHandle(standaloneIndexWorkflowId('sa-outside')).cancel();
    const status = await clusterCompletion(service);
    expect(status.standalone_indices?.finished).toEqual([
      expect.objectContaining({
        index: 'sa-outside',
        outcome: 'cancelled',
        exception:
          'its workflow was cancelled from outside this cluster run; [sa-outside] was rolled back and keeps ' +
          'its old version',
      }),
    ]);
    expect(status.state).not.toBe('completed');
    // The worker's gauge, read from the same run's status as the worker reads it.
    const metrics = new WorkerMetrics();
    const reader = startStatusMetrics({
      service: h().service,
      cluster: service,
      metrics,
      logger: new JsonLogger({ level: 'ERROR' }),
      intervalMs: 600_000,
    });
    try {
      await reader.refresh();
    } finally {
      reader.stop();
    }
    const exposition = await metrics.exposition();
    expect(exposition).toContain('ds_reindex_standalone_indices{state="cancelled"} 1');
    expect(exposition).toContain('ds_reindex_standalone_indices{state="upgraded"} 0');
    const report = await cli(h(), ['report', '--json']);
    expect(report.code).toBe(EXIT_CODES.COMPLETED_WITH_ERRORS);
    expect(JSON.stringify(JSON.parse(report.stdout))).toContain('cancelled from outside this cluster run');
    // Rolled back, as Elasticsearch shows it: the copy gone, the old index writable with its alias.
    expect(await catIndices(es, 'sa-outside*,migrated-sa-outside*')).toEqual({ 'sa-outside': 'open' });
    expect(await es.indices.getAlias({ index: 'sa-outside' })).toEqual({
      'sa-outside': { aliases: { 'sa-outside-read': {} } },
    });
    const settings = (await es.indices.getSettings({ index: 'sa-outside', flat_settings: true }))[
      'sa-outside'
    ]?.settings as Record<string, string>;
    expect(settings['index.blocks.write']).toBeUndefined();
    expect((await es.count({ index: 'sa-outside' })).count).toBe(3000);
  }, 180_000);

  it('a pause with now stops the copy; the resume finishes it, every document once', async () => {
    const es = h().es;
    await oldIndex('sa-reopen', { aliases: { 'sa-reopen-read': {} } }, 3000);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(es, {
        ...standaloneOnly('sa-reopen'),
        maxDataStreams: 1,
      }),
    );
    await eventually(
      async () => ((await es.indices.exists({ index: 'migrated-sa-reopen' })) ? true : undefined),
      'the copy into migrated-sa-reopen to start',
    );
    await service.pause(true);
    // Elasticsearch itself says no copy writes into the new index any more.
    await eventually(async () => {
      const tasks = await es.tasks.list({ actions: '*reindex', detailed: true });
      const copying = Object.values(tasks.nodes ?? {}).flatMap((node) =>
        Object.values(node.tasks).filter((task) => (task.description ?? '').includes('migrated-sa-reopen')),
      );
      return copying.length === 0 ? true : undefined;
    }, 'the copy into migrated-sa-reopen to stop');
    expect((await service.status()).standalone_indices?.running).toMatchObject([
      { index: 'sa-reopen', step: 'upgrading', hold: 'paused_now' },
    ]);
    await setMigrateSettings(es, { maxRequestsPerSecond: -1 });
    await service.resume();
    const status = await clusterCompletion(service);
    expect(status.state).toBe('completed');
    expect(status.standalone_indices?.finished).toMatchObject([
      { index: 'sa-reopen', outcome: 'upgraded', documents: 3000, aliases_moved: ['sa-reopen-read'] },
    ]);
    expect((await es.count({ index: 'sa-reopen-read' })).count).toBe(3000);
  }, 180_000);

  it('a maintenance window that closes mid-copy holds the index: its copy stops, as with pause --now', async () => {
    const es = h().es;
    // 200 s of copying at 50 documents a second: the window below closes long before it ends.
    await oldIndex('sa-window', {}, 10_000);
    await setMigrateSettings(es, { maxRequestsPerSecond: 50 });
    // Open now, closing at the next minute's start, or the one after when that is under 30 s away (the
    // copy must be under way first, on a busy machine too): in 30 to 90 s. Windows go by the minute.
    const now = new Date();
    const startMinute = now.getUTCHours() * 60 + now.getUTCMinutes();
    const endMinute = (startMinute + (now.getUTCSeconds() < 30 ? 1 : 2)) % 1440 || 1440;
    const service = clusterService(h());
    await service.start(
      await service.prepareStart(es, {
        ...standaloneOnly('sa-window'),
        maxDataStreams: 1,
        window: { startMinute, endMinute, timeZone: 'UTC' },
      }),
    );
    await eventually(
      async () => ((await es.indices.exists({ index: 'migrated-sa-window' })) ? true : undefined),
      'the copy into migrated-sa-window to start',
    );
    const held = await eventually(
      async () => {
        const status = await service.status();
        return status.window?.open === false ? status : undefined;
      },
      'the window to close',
      180_000,
      1_000,
    );
    expect(held.standalone_indices?.running).toMatchObject([
      { index: 'sa-window', step: 'upgrading', hold: 'paused_now' },
    ]);
    // Elasticsearch itself says no copy writes into the new index any more, and the old one is whole.
    await eventually(async () => {
      const tasks = await es.tasks.list({ actions: '*reindex', detailed: true });
      const copying = Object.values(tasks.nodes ?? {}).flatMap((node) =>
        Object.values(node.tasks).filter((task) => (task.description ?? '').includes('migrated-sa-window')),
      );
      return copying.length === 0 ? true : undefined;
    }, 'the copy into migrated-sa-window to stop');
    expect((await es.count({ index: 'migrated-sa-window' })).count).toBeLessThan(10_000);
    expect((await es.count({ index: 'sa-window' })).count).toBe(10_000);
    await service.cancel();
    expect((await clusterCompletion(service)).standalone_indices?.finished).toMatchObject([
      { index: 'sa-window', outcome: 'cancelled' },
    ]);
    expect(await catIndices(es, 'sa-window*,migrated-sa-window*')).toEqual({ 'sa-window': 'open' });
  }, 300_000);

  it('hands standalone indices over through continue-as-new, one started per run, and finishes them all', async () => {
    const es = h().es;
    // A real node keeps what an earlier run of this file left.
    await es.indices.deleteDataStream({ name: 'sa-can-ds' }, { ignore: [404] });
    await h().seed('sa-can-ds', [{ docCount: 10 }]);
    for (const index of ['sa-can-1', 'sa-can-2']) {
      await es.indices.delete({ index: `migrated-${index}`, ignore_unavailable: true });
      await es.indices.delete({ index, ignore_unavailable: true });
      await oldIndex(index, { aliases: { [`${index}-read`]: {} } }, 5);
    }
    const service = clusterService(h(), { maxDataStreamsPerRun: 1 });
    await service.start(
      await service.prepareStart(es, {
        pattern: 'sa-can-ds',
        includeSystem: false,
        readOnly: { kind: 'none' },
        indices: 'sa-can-*',
        maxDataStreams: 2,
      }),
    );
    const status = await clusterCompletion(service, 180_000);
    expect(status.state).toBe('completed');
    expect(status.finished).toMatchObject([{ data_stream: 'sa-can-ds', outcome: 'upgraded' }]);
    expect(status.standalone_indices?.finished.map((entry) => [entry.index, entry.outcome])).toEqual([
      ['sa-can-1', 'upgraded'],
      ['sa-can-2', 'upgraded'],
    ]);
    // Three runs: one per start (the data stream, then each index), chained by continue-as-new.
    const runs = await eventually(async () => {
      const listed: string[] = [];
      for await (const run of h().env.client.workflow.list({
        query: `WorkflowId = '${CLUSTER_UPGRADE_WORKFLOW_ID}' AND StartTime >= '${new Date(status.start_time_millis - 1000).toISOString()}'`,
      })) {
        listed.push(run.status.name);
      }
      return listed.length >= 3 ? listed : undefined;
    }, 'the chained cluster runs to be listed');
    expect(runs.filter((name) => name === 'CONTINUED_AS_NEW')).toHaveLength(2);
    for (const index of ['sa-can-1', 'sa-can-2']) {
      expect(await es.indices.getAlias({ index: `migrated-${index}` })).toEqual({
        [`migrated-${index}`]: { aliases: { [index]: {}, [`${index}-read`]: {} } },
      });
    }
  }, 240_000);

  it('the HTTP API takes indices and reindex_read_only, and refuses them as Elasticsearch refuses a bad option', async () => {
    const api = await startClusterHttpApi(h());
    try {
      const plan = await call(
        api.url,
        'GET',
        '/_ds_reindex/cluster/_plan?pattern=sa-none-*&indices=sa-none-*',
      );
      expect(plan.status).toBe(200);
      expect((plan.json as ClusterPlan).standalone_indices).toEqual({
        pattern: 'sa-none-*',
        reindex_read_only: false,
        indices: [],
        totals: { indices_to_reindex: 0, indices_to_mark_read_only: 0, indices_skipped: 0 },
      });
      // Without indices it reindexes the backing indices marked read-only (reindex-read-only-backing).
      const alone = await call(
        api.url,
        'GET',
        '/_ds_reindex/cluster/_plan?pattern=sa-none-*&reindex_read_only=true',
      );
      expect(alone.status).toBe(200);
      const both = await call(
        api.url,
        'GET',
        '/_ds_reindex/cluster/_plan?reindex_read_only=true&read_only=true',
      );
      expect(both.status).toBe(400);
      expect(both.json).toMatchObject({
        error: {
          type: 'illegal_argument_exception',
          reason:
            'reindex_read_only reindexes indices marked read-only; read_only and read_only_older_than ' +
            'mark indices read-only: choose one',
        },
        status: 400,
      });
      const wrongType = await call(api.url, 'POST', '/_ds_reindex/cluster/_start', {
        body: JSON.stringify({ indices: 5 }),
      });
      expect(wrongType.status).toBe(400);
      expect(wrongType.json).toMatchObject({
        error: {
          type: 'x_content_parse_exception',
          reason: '[cluster_upgrade] indices must be a string, got [5]',
        },
      });
      const nothing = await call(api.url, 'POST', '/_ds_reindex/cluster/_start', {
        body: JSON.stringify({ pattern: 'sa-none-*', indices: 'sa-none-*' }),
      });
      expect(nothing.status).toBe(200);
      expect(nothing.json).toMatchObject({ acknowledged: true, data_streams: [], indices: [] });
    } finally {
      await api.close();
    }
  });

  itOnRealNode(
    "a system index is left to Elasticsearch's system feature migration: listed in the plan, never touched",
    async () => {
      const es = h().es;
      await withTasksIndexFrom717(es, 'sa-task', async () => {
        const run = await cli(h(), [...standaloneArgs('start', '.tasks'), '--json']);
        expect(JSON.parse(run.stdout)).toMatchObject({ data_streams: [], indices: [] });
        const plan = await clusterService(h()).plan(es, {
          ...standaloneOnly('.tasks'),
          ilmHorizonMs: 0,
          maxDataStreams: 1,
        });
        expect(plan.standalone_indices?.indices).toMatchObject([
          { index: '.tasks', category: 'system', path: 'skip', hidden: true },
        ]);
        expect(await catIndices(es, '.tasks')).toEqual({ '.tasks': 'open' });
        expect(await es.indices.exists({ index: '.migrated-tasks' })).toBe(false);
      });
    },
    60_000,
  );

  itOnSandbox(
    'an index with a percolator field needs a person: the plan lists it, the run never touches it',
    'the real-es node lacks the percolator module',
    async () => {
      const es = h().es;
      await oldIndex('sa-queries', { mappings: { properties: { query: { type: 'percolator' } } } }, 0);
      const plan = await clusterService(h()).plan(es, {
        ...standaloneOnly('sa-queries'),
        ilmHorizonMs: 0,
        maxDataStreams: 1,
      });
      expect(plan.standalone_indices?.indices).toMatchObject([
        { index: 'sa-queries', category: 'needs_person', path: 'skip' },
      ]);
      const run = await cli(h(), standaloneArgs('start', 'sa-queries'));
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Nothing to upgrade');
      expect(await catIndices(es, 'sa-queries')).toEqual({ 'sa-queries': 'open' });
    },
  );
});
