import type { IndicesCreateRequest } from '@elastic/elasticsearch/lib/api/types';
import { call } from './http-api-helpers';
import { cli, startClusterHttpApi } from './cluster-helpers';
import {
  blockingOnCluster,
  itOnSandbox,
  REAL_CLUSTER_URL,
  useUpgradeHarness,
  withTasksIndexFrom717,
} from '../support';
import type { HttpApi } from '../../src/client/http-api/server';
import type { ReadinessIndex, ReadinessReport } from '../../src/client/service/readiness-report';
import { EXIT_CODES } from '../../src/client/cli/exit-codes';

const V7_17_0 = 7_170_099;
/** The first 8.x index version: anything below it an 8.x cluster's next major refuses. */

/** The system index the real node has once a task result is stored; the sandbox keeps none. */
const itOnRealNode = (name: string, test: () => Promise<void>, timeoutMs?: number): void =>
  REAL_CLUSTER_URL === undefined
    ? it.skip(`${name} (real node only: the sandbox has no system indices)`, test)
    : it(name, test, timeoutMs);

/**
 * What the report must call blocking, read another way: every index's flat settings through
 * `GET _all/_settings` as the administrator, old (`index.version.created` below 8.0.0) and without a
 * verified write block (`index.verified_read_only` and `index.blocks.write`, which the next major accepts).
 */
function byName(report: ReadinessReport): Map<string, ReadinessIndex> {
  return new Map(report.old_indices.map((entry) => [entry.index, entry]));
}

function blockingOf(report: ReadinessReport): string[] {
  return report.old_indices
    .filter((entry) => entry.blocking)
    .map((entry) => entry.index)
    .sort();
}

function verdictFor(blocking: readonly string[]): string {
  if (blocking.length === 0) return 'ready';
  return `not ready: ${blocking.length} ${blocking.length === 1 ? 'index' : 'indices'}`;
}

// The readiness report end to end, on the sandbox and on the real node: old indices of every kind seeded
// through the API (aged with the real node's `_set_version_created`, or the sandbox's control), the CLI
// (table, JSON, exit code) and the HTTP API, then a whole-cluster run with `--indices`, after which the
// report agrees with what Elasticsearch's own `_settings` says.
describe('readiness report', () => {
  const h = useUpgradeHarness('readiness');
  let api: HttpApi;

  beforeAll(async () => {
    api = await startClusterHttpApi(h());
  });

  afterAll(async () => {
    await api?.close();
  });

  const STANDALONE = ['rd-app', 'rd-closed', '.rd-hidden', 'rd-frozen', 'rd-blocked', 'rd-queries'];

  // A real node keeps what an earlier run of this file left.
  beforeAll(async () => {
    // The new indices of an earlier run first: with them go the aliases that carry the old names.
    const migrated = STANDALONE.map((name) =>
      name.startsWith('.') ? `.migrated-${name.slice(1)}` : `migrated-${name}`,
    );
    await h().es.indices.delete({ index: migrated, ignore_unavailable: true });
    await h().es.indices.delete({ index: STANDALONE, ignore_unavailable: true });
  });

  async function oldIndex(index: string, body: Omit<IndicesCreateRequest, 'index'>): Promise<void> {
    await h().es.indices.create({ ...body, index });
    await h().es.index({ index, document: { n: 1 }, refresh: true });
    await h().target.markCreatedBy(index, V7_17_0);
  }

  async function readiness(): Promise<{ code: number; report: ReadinessReport; text: string }> {
    const json = await cli(h(), ['readiness', '--json']);
    expect(json.stderr).toBe('');
    const text = await cli(h(), ['readiness']);
    expect(text.code).toBe(json.code);
    return { code: json.code ?? -1, report: JSON.parse(json.stdout) as ReadinessReport, text: text.stdout };
  }

  it('classifies every kind of old index, says "not ready", then "ready" once they are handled', async () => {
    const es = h().es;
    const backing = await h().seed('rd-logs', [{ docCount: 200 }, { docCount: 100 }, { docCount: 10 }]);
    await oldIndex('rd-app', {
      aliases: { 'rd-app-read': {}, 'rd-app-write': { is_write_index: true } },
    });
    await oldIndex('rd-closed', {});
    await es.indices.close({ index: 'rd-closed' });
    await oldIndex('.rd-hidden', { settings: { 'index.hidden': true } });
    await oldIndex('rd-frozen', {});
    await es.indices.addBlock({ index: 'rd-frozen', block: 'write' });
    await oldIndex('rd-blocked', {});
    await es.indices.putSettings({ index: 'rd-blocked', settings: { 'index.blocks.write': true } });

    const before = await readiness();
    expect(before.code).toBe(EXIT_CODES.NOT_READY);
    const entries = byName(before.report);
    for (const index of backing) {
      expect(entries.get(index)).toMatchObject({
        category: 'data_stream',
        blocking: true,
        data_stream: 'rd-logs',
      });
    }
    expect(entries.get('rd-app')).toMatchObject({
      category: 'standalone',
      blocking: true,
      version_created_string: '7.17.0',
      aliases: ['rd-app-read', 'rd-app-write'],
    });
    expect(entries.get('rd-closed')).toMatchObject({ category: 'standalone', blocking: true, closed: true });
    expect(entries.get('.rd-hidden')).toMatchObject({ category: 'standalone', blocking: true, hidden: true });
    expect(entries.get('rd-frozen')).toMatchObject({ category: 'verified_read_only', blocking: false });
    expect(entries.get('rd-blocked')).toMatchObject({
      category: 'standalone',
      blocking: true,
      reasons: ['write-blocked, but not verified: use `PUT <index>/_block/write`'],
    });
    const expected = await blockingOnCluster(es);
    expect(blockingOf(before.report)).toEqual(expected);
    expect(before.report.verdict).toBe(verdictFor(expected));
    expect(before.text).toContain(`Verdict: ${verdictFor(expected)}`);
    expect(before.text).toMatch(/^rd-app +7\.17\.0 +standalone +yes/m);

    // The HTTP API answers the same report, 200 although not ready.
    const answer = await call(api.url, 'GET', '/_ds_reindex/cluster/_readiness');
    expect(answer.status).toBe(200);
    expect((answer.json as ReadinessReport).old_indices).toEqual(before.report.old_indices);

    // The whole-cluster run takes the data stream and, with --indices, the standalone indices: each is
    // reindexed and its name becomes an alias of the new index.
    const run = await cli(h(), [
      'start',
      '--all',
      '--pattern',
      'rd-*',
      '--indices',
      'rd-*,.rd-*',
      '--wait',
      '--interval-ms',
      '200',
    ]);
    expect(run.code).toBe(0);
    expect(await es.indices.getAlias({ index: 'migrated-rd-app' })).toEqual({
      'migrated-rd-app': {
        aliases: { 'rd-app': {}, 'rd-app-read': {}, 'rd-app-write': { is_write_index: true } },
      },
    });

    const after = await readiness();
    const entriesAfter = byName(after.report);
    for (const index of [...backing, 'rd-app', 'rd-closed', '.rd-hidden', 'rd-blocked', 'rd-frozen']) {
      expect(entriesAfter.get(index)?.blocking ?? false).toBe(false);
    }
    const expectedAfter = await blockingOnCluster(es);
    expect(blockingOf(after.report)).toEqual(expectedAfter);
    expect(after.report.verdict).toBe(verdictFor(expectedAfter));
    expect(after.code).toBe(expectedAfter.length === 0 ? EXIT_CODES.OK : EXIT_CODES.NOT_READY);
    if (h().target.kind === 'sandbox') expect(after.report.verdict).toBe('ready');
  }, 180_000);

  itOnSandbox(
    'a percolator field needs a person, write block or not',
    'the real-es node lacks the percolator module',
    async () => {
      await oldIndex('rd-queries', { mappings: { properties: { query: { type: 'percolator' } } } });
      await h().es.indices.addBlock({ index: 'rd-queries', block: 'write' });
      const { code, report } = await readiness();
      expect(code).toBe(EXIT_CODES.NOT_READY);
      expect(byName(report).get('rd-queries')).toMatchObject({
        category: 'needs_person',
        blocking: true,
        reasons: ['percolator field(s) query: read-only does not suffice'],
      });
      await h().es.indices.delete({ index: 'rd-queries' });
    },
  );

  itOnRealNode(
    'an old system index is left to the system feature migration, whose absence the report states',
    async () => {
      const es = h().es;
      await withTasksIndexFrom717(es, 'rd', async () => {
        const { code, report } = await readiness();
        expect(code).toBe(EXIT_CODES.NOT_READY);
        expect(byName(report).get('.tasks')).toMatchObject({
          category: 'system',
          blocking: true,
          hidden: true,
        });
        expect(byName(report).get('.tasks')?.reasons[0]).toMatch(/^system index; feature status unknown: /);
        expect(report.checks.system_features.status).toBe('not_available');
        expect(report.checks.transforms.status).toBe('not_available');
      });
    },
    60_000,
  );
});
