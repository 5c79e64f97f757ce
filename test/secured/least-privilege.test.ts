/**
 * The worker's role from docs/SECURITY.md, exactly, on the secured three-node HTTPS cluster: it runs the
 * user's example, a whole-cluster run with read-only marking and a cancel with its rollback. Without any
 * one of its privileges, `plan` and `start` refuse before anything changes, naming the privilege and the
 * action Elasticsearch would refuse.
 */
import type { Client } from '@elastic/elasticsearch';
import {
  backingIndexNames,
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  createApiKey,
  describeOnSecuredCluster,
  eventually,
  setMigrateSettings,
  useUpgradeHarness,
  type RoleSpec,
  type RunningWorker,
} from '../support';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { CREDENTIAL_PATTERN, searchableText } from '../replay/histories';
import { replayRecorded } from '../replay/replay';
import { bundleWorkflows } from '../support/temporal-env';
import { ClusterUpgradeService } from '../../src/client/service/cluster-upgrade-service';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';
import { parseClusterOptions, type RawClusterOptions } from '../../src/client/service/cluster-plan';
import { ElasticsearchApiError } from '../../src/client/service/api-error';
import { createElasticsearchClient } from '../../src/elasticsearch/client';
import { dataStreamWorkflowId, destinationIndexName } from '../../src/shared/names';
import { WORKER_PRIVILEGES, type RequiredPrivilege } from '../../src/shared/privileges';
import { reindexDataStream } from '../../src/workflows';

/** The role's name patterns, per scope, for the data streams these tests upgrade (they have no aliases). */
const PATTERNS: Record<Exclude<RequiredPrivilege['scope'], 'cluster' | 'alias'>, string> = {
  data_stream: 'lp-*',
  backing_index: '.ds-lp-*',
  destination: '.migrated-*',
};

/** The role docs/SECURITY.md gives, built from `WORKER_PRIVILEGES`, less `without` if given. */
function workerRole(without?: RequiredPrivilege): RoleSpec {
  const held = WORKER_PRIVILEGES.filter((entry) => entry !== without);
  const on = (scope: RequiredPrivilege['scope']) =>
    held.filter((entry) => entry.scope === scope).map((entry) => entry.privilege);
  return {
    cluster: on('cluster'),
    indices: Object.entries(PATTERNS)
      .map(([scope, pattern]) => ({ names: [pattern], privileges: on(scope as RequiredPrivilege['scope']) }))
      .filter((entry) => entry.privileges.length > 0),
  };
}

const OPTION_NAMES = Object.fromEntries(
  [
    'pattern',
    'includeSystem',
    'readOnly',
    'readOnlyOlderThan',
    'ilmHorizon',
    'maxDataStreams',
    'window',
    'indices',
    'reindexReadOnly',
  ].map((name) => [name, name]),
) as Record<keyof RawClusterOptions, string>;

/** `index.version.created` of each index, as Elasticsearch reports it. */
async function versionsCreated(es: Client, indices: readonly string[]): Promise<string[]> {
  const settings = await es.indices.getSettings({ index: indices.join(','), flat_settings: true });
  return indices.map((index) => String(settings[index]?.settings?.['index.version.created']));
}

describeOnSecuredCluster("the worker's least-privilege role", () => {
  const h = useUpgradeHarness('least-privilege', { worker: false });
  let worker: RunningWorker | undefined;
  let workerEs: Client | undefined;
  let cluster: ClusterUpgradeService;
  let currentVersion: string;
  /** Every key a worker held here: none may show in a history. */
  const apiKeys: string[] = [];

  /** A worker whose Elasticsearch credentials are an API key limited to `role`, replacing the last one. */
  async function workerWith(role: RoleSpec, name: string): Promise<void> {
    await worker?.stop();
    await workerEs?.close();
    const apiKey = await createApiKey(h().es, name, role);
    apiKeys.push(apiKey);
    workerEs = createElasticsearchClient({
      url: CLUSTER_NODE_URLS[0],
      urls: CLUSTER_NODE_URLS,
      caFile: CLUSTER_CREDENTIALS.caFile,
      apiKey,
      requestTimeoutMs: 30_000,
    });
    worker = await h().startWorker({}, workerEs);
  }

  /** The cluster run's status once it is complete. */
  const clusterRunFinished = () =>
    eventually(
      async () => {
        const current = await cluster.status();
        return current.complete ? current : undefined;
      },
      'the cluster run to finish',
      120_000,
      200,
    );

  beforeAll(async () => {
    cluster = new ClusterUpgradeService(h().service, { watchPollIntervalMs: 200 });
    currentVersion = (await h().es.info()).version.number;
    await workerWith(workerRole(), 'ds-reindex-worker');
  });

  afterAll(async () => {
    await worker?.stop();
    await workerEs?.close();
  });

  it("runs the user's example with it: a cancel rolls back, a restart skips the finished index", async () => {
    const ds = 'lp-example';
    const seeded = await h().seed(ds, [{ docCount: 600 }, { docCount: 3000 }, { docCount: 600 }]);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 300 });
    await h().service.start(h().es, ds);
    // The second copy is under way (3,000 at 300/s: ten seconds): cancel it.
    await h().copying(ds, { index: seeded[1], atLeastDocs: 300, timeoutMs: 120_000 });
    // The first index finishes while the second copies, and on a loaded machine may not have swapped yet:
    // a cancel then rolls it back too. This test's cancel is for the second alone.
    await eventually(
      async () =>
        (await backingIndexNames(h().es, ds)).includes(destinationIndexName(seeded[0])) || undefined,
      'the first index swapped',
      60_000,
      200,
    );
    await h().service.cancel(ds);
    const afterCancel = await backingIndexNames(h().es, ds);
    expect(afterCancel).toContain(seeded[1]);
    expect(afterCancel.some((index) => index.startsWith(`.migrated-ds-${ds}-`))).toBe(true);
    const stillOld = await h().es.indices.getSettings({ index: seeded[1], flat_settings: true });
    expect(stillOld[seeded[1]].settings?.['index.blocks.write']).toBeUndefined();
    expect(await h().es.indices.exists({ index: `.migrated-${seeded[1].slice(1)}` })).toBe(false);

    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    // Content verification reads both indices whole through a point in time: the role covers it too.
    await h().service.start(h().es, ds, { verify: 'content' });
    const final = await h().completion(ds, 120_000);
    expect(final).toMatchObject({
      complete: true,
      total_indices_requiring_upgrade: 2,
      successes: 2,
      errors: [],
      verify: 'content',
    });
    const after = await backingIndexNames(h().es, ds);
    expect(after).toHaveLength(4);
    // Every old index is gone, not only out of the data stream: deleting it takes its own privilege.
    const left = await h().es.indices.get({ index: '.ds-lp-example-*', expand_wildcards: 'all' });
    expect(Object.keys(left).filter((index) => seeded.includes(index))).toEqual([]);
    expect(after.slice(0, 3).every((index) => index.startsWith(`.migrated-ds-${ds}-`))).toBe(true);
    const versions = await versionsCreated(h().es, after);
    // 8.19.21 creates indices with an index version whose string is not the release's; a 7.17 one is 7170099.
    expect(versions.filter((version) => version === '7170099')).toEqual([]);
    expect(currentVersion).toMatch(/^8\./);
    // Two upgrades, each waited for up to two minutes: more than jest's default on a busy machine.
  }, 300_000);

  it('runs a whole-cluster run that marks old indices read-only with it', async () => {
    const seeded = await h().seed('lp-ro-1', [{ docCount: 50 }, { docCount: 5 }]);
    const prepared = await cluster.prepareStart(
      h().es,
      parseClusterOptions({ pattern: 'lp-ro-*', readOnly: true }, OPTION_NAMES),
    );
    await cluster.start(prepared);
    const status = await clusterRunFinished();
    expect(status.finished.map((entry) => [entry.data_stream, entry.outcome])).toEqual([
      ['lp-ro-1', 'read_only'],
    ]);
    const settings = await h().es.indices.getSettings({ index: seeded[0], flat_settings: true });
    expect(settings[seeded[0]].settings?.['index.blocks.write']).toBe('true');
  });

  describe.each(
    WORKER_PRIVILEGES.map((privilege) => [`${privilege.scope} ${privilege.privilege}`, privilege]),
  )('without %s', (_name, missing) => {
    const ds = `lp-without-${missing.scope.replace('_', '-')}-${missing.privilege}`;
    let before: string[];

    beforeAll(async () => {
      await h().seed(ds, [{ docCount: 20 }, { docCount: 5 }]);
      before = await backingIndexNames(h().es, ds);
      await workerWith(workerRole(missing), `worker-without-${missing.scope}-${missing.privilege}`);
    });

    const refusal = (err: unknown): string => {
      expect(err).toBeInstanceOf(ElasticsearchApiError);
      const refused = err as ElasticsearchApiError;
      expect({ status: refused.status, type: refused.type }).toEqual({
        status: 403,
        type: 'security_exception',
      });
      return refused.reason;
    };

    it('plan and start refuse before anything changes, naming the privilege and the action', async () => {
      const where = missing.scope === 'cluster' ? 'the cluster privilege' : 'the index privilege';
      for (const attempt of [
        () => h().service.plan(h().es, ds),
        () => h().service.start(h().es, ds),
        () =>
          cluster.plan(h().es, { ...parseClusterOptions({ pattern: ds }, OPTION_NAMES), ilmHorizonMs: 0 }),
        () => cluster.prepareStart(h().es, parseClusterOptions({ pattern: ds }, OPTION_NAMES)),
      ]) {
        const reason = refusal(
          await attempt().then(
            () => 'not refused',
            (err: unknown) => err,
          ),
        );
        expect(reason).toContain(`${where} [${missing.privilege}]`);
        expect(reason).toContain(`refuses [${missing.action}]`);
        expect(reason).toMatch(/the worker's API key id \[[^\]]+\] of user \[elastic\] lack /);
      }
      // Nothing changed: no upgrade, no rollover, no new index.
      await expect(h().service.status(ds)).rejects.toMatchObject({ status: 404 });
      expect(await backingIndexNames(h().es, ds)).toEqual(before);
    });
  });

  it('refuses a standalone index whose alias the role does not manage, naming it; with it, moves the alias', async () => {
    const index = 'lp-sa-orders';
    const alias = 'orders-lp-current';
    await h().es.indices.delete({ index: `migrated-${index}`, ignore_unavailable: true });
    await h().es.indices.delete({ index, ignore_unavailable: true });
    await h().es.indices.create({ index, aliases: { [alias]: { is_write_index: true } } });
    await h().es.index({ index, id: 'o1', document: { n: 1 }, refresh: true });
    await h().target.markCreatedBy(index, 7_170_099);
    // The role's lines for a standalone index's own name (`lp-*`) and its new index, not its alias.
    const standaloneRole = (aliases: string[]): RoleSpec => {
      const role = workerRole();
      return {
        cluster: role.cluster,
        indices: [
          ...role.indices,
          { names: [`migrated-${index}`], privileges: ['manage', 'read', 'write'] },
          ...(aliases.length > 0 ? [{ names: aliases, privileges: ['manage'] }] : []),
        ],
      };
    };
    const options = parseClusterOptions({ pattern: 'lp-none-*', indices: index }, OPTION_NAMES);
    await workerWith(standaloneRole([]), 'worker-without-alias');
    const refused = await cluster.prepareStart(h().es, options).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ElasticsearchApiError);
    expect((refused as ElasticsearchApiError).status).toBe(403);
    expect((refused as ElasticsearchApiError).reason).toContain(
      `the index privilege [manage] on [${alias}], without which Elasticsearch refuses [indices:admin/aliases]`,
    );
    expect(await h().es.indices.getAlias({ name: alias })).toEqual({
      [index]: { aliases: { [alias]: { is_write_index: true } } },
    });

    await workerWith(standaloneRole([alias]), 'worker-with-alias');
    await cluster.start(await cluster.prepareStart(h().es, options));
    const status = await clusterRunFinished();
    expect(status.standalone_indices?.finished).toMatchObject([{ index, outcome: 'upgraded' }]);
    expect(await h().es.indices.getAlias({ index: `migrated-${index}` })).toEqual({
      [`migrated-${index}`]: { aliases: { [alias]: { is_write_index: true }, [index]: {} } },
    });
    await workerWith(workerRole(), 'ds-reindex-worker-again');
  }, 300_000);

  it('an upgrade started past that check (the privilege revoked since) fails as its first step, before the rollover', async () => {
    const ds = 'lp-revoked';
    const write = WORKER_PRIVILEGES.find(
      (entry) => entry.scope === 'destination' && entry.privilege === 'write',
    )!;
    await h().seed(ds, [{ docCount: 20 }, { docCount: 5 }]);
    const before = await backingIndexNames(h().es, ds);
    await workerWith(workerRole(write), 'worker-revoked');
    await h().env.client.workflow.start(reindexDataStream, {
      workflowId: dataStreamWorkflowId(ds),
      taskQueue: h().taskQueue,
      args: [{ dataStream: ds }],
    });
    const final = await h().completion(ds, 60_000);
    expect(final.exception).toContain('the index privilege [write]');
    expect(final.exception).toContain('refuses [indices:data/write/reindex]');
    expect(await backingIndexNames(h().es, ds)).toEqual(before);
  });

  it('leaves no credential in any history recorded here, and every history replays', async () => {
    const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
    let checked = 0;
    for await (const execution of h().env.client.workflow.list()) {
      const history = await h()
        .env.client.workflow.getHandle(execution.workflowId, execution.runId)
        .fetchHistory();
      const recorded = {
        workflowId: execution.workflowId,
        scenario: 'secured cluster',
        history: JSON.parse(historyToJSON(history)) as unknown,
      };
      const text = searchableText(recorded);
      expect({ id: execution.workflowId, credential: CREDENTIAL_PATTERN.exec(text)?.[0] }).toEqual({
        id: execution.workflowId,
        credential: undefined,
      });
      for (const secret of [...apiKeys, CLUSTER_CREDENTIALS.password ?? 'no password'])
        expect(text).not.toContain(secret);
      await replayRecorded(workflowBundle, `${execution.workflowId} ${execution.runId}`, recorded);
      checked += 1;
    }
    // The user's example, the cluster run, the privilege checks and the revoked upgrade.
    expect(checked).toBeGreaterThan(10);
  });
});
