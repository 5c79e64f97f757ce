import {
  percolatorFields,
  type IndexReadinessFacts,
  type ReadinessReadings,
} from '../../src/elasticsearch/readiness-inspection';
import { readinessReport, versionString } from '../../src/client/service/readiness-report';

const V7 = 7_170_099;
const V8 = 8_537_000;

function index(name: string, facts: Partial<IndexReadinessFacts> = {}): IndexReadinessFacts {
  return {
    index: name,
    version_created: V7,
    closed: false,
    hidden: false,
    system: false,
    data_stream: null,
    system_data_stream: false,
    aliases: [],
    verified_read_only: false,
    write_blocked: false,
    searchable_snapshot: false,
    follower: false,
    percolator_fields: [],
    lifecycle_policy: null,
    creation_date_millis: 0,
    origination_date_millis: null,
    ...facts,
  };
}

function readings(
  indices: IndexReadinessFacts[],
  overrides: Partial<ReadinessReadings> = {},
): ReadinessReadings {
  return {
    cluster_version: '8.19.21',
    indices,
    system_features: { check: { status: 'checked' }, migration_status: 'NO_MIGRATION_NEEDED', features: [] },
    transforms: { check: { status: 'checked' }, destinations: {} },
    ...overrides,
  };
}

function categories(report: ReturnType<typeof readinessReport>): Record<string, string> {
  return Object.fromEntries(report.old_indices.map((entry) => [entry.index, entry.category]));
}

describe('readiness report', () => {
  it('is ready when no index is older than the current major, and counts what it read', () => {
    const report = readinessReport(readings([index('new', { version_created: V8 })]));
    expect(report).toMatchObject({ verdict: 'ready', ready: true, blocking_indices: 0, indices_checked: 1 });
    expect(report.old_indices).toEqual([]);
  });

  it('classifies each kind of old index, and only the fine ones do not block', () => {
    const report = readinessReport(
      readings(
        [
          index('.ds-logs-1', { data_stream: 'logs', hidden: true }),
          index('app', { aliases: ['app-read', 'app-write'], lifecycle_policy: 'keep-1y' }),
          index('.tasks', { system: true, hidden: true }),
          index('.ds-.sys-1', { data_stream: '.sys', system_data_stream: true }),
          index('mounted', { searchable_snapshot: true }),
          index('frozen', { verified_read_only: true, write_blocked: true }),
          index('queries', { percolator_fields: ['query'], verified_read_only: true, write_blocked: true }),
          index('pivot'),
          index('follower', { follower: true }),
          index('new', { version_created: V8 }),
        ],
        { transforms: { check: { status: 'checked' }, destinations: { pivot: ['daily-pivot'] } } },
      ),
    );
    expect(categories(report)).toEqual({
      '.ds-logs-1': 'data_stream',
      app: 'standalone',
      '.tasks': 'system',
      '.ds-.sys-1': 'system',
      mounted: 'searchable_snapshot',
      frozen: 'verified_read_only',
      // A write block does not make a percolator index readable by the next major.
      queries: 'needs_person',
      pivot: 'needs_person',
      follower: 'needs_person',
    });
    expect(report.verdict).toBe('not ready: 7 indices');
    expect(report.blocking_indices).toBe(7);
    expect(report.counts).toEqual({
      data_stream: 1,
      standalone: 1,
      system: 2,
      needs_person: 3,
      searchable_snapshot: 1,
      verified_read_only: 1,
    });
    const byName = new Map(report.old_indices.map((entry) => [entry.index, entry]));
    expect(byName.get('app')).toMatchObject({
      aliases: ['app-read', 'app-write'],
      lifecycle_policy: 'keep-1y',
    });
    expect(byName.get('app')?.action).toContain('ds-reindex start --all --indices <pattern>');
    expect(byName.get('queries')?.reasons).toEqual(['percolator field(s) query: read-only does not suffice']);
    expect(byName.get('pivot')?.reasons).toEqual(['destination of transform(s) daily-pivot']);
    expect(byName.get('.tasks')?.action).toContain('POST /_migration/system_features');
  });

  it('says "1 index", and that a write block set through the settings API is not verified', () => {
    const report = readinessReport(readings([index('blocked', { write_blocked: true })]));
    expect(report.verdict).toBe('not ready: 1 index');
    expect(report.old_indices[0]?.reasons).toEqual([
      'write-blocked, but not verified: use `PUT <index>/_block/write`',
    ]);
  });

  it("shows a system index's feature and migration status, or why it could not be read", () => {
    const features = {
      check: { status: 'checked' as const },
      migration_status: 'MIGRATION_NEEDED',
      features: [{ feature_name: 'tasks', migration_status: 'MIGRATION_NEEDED', indices: ['.tasks'] }],
    };
    const known = readinessReport(
      readings([index('.tasks', { system: true })], { system_features: features }),
    );
    expect(known.old_indices[0]?.reasons).toEqual(['system index, feature tasks: MIGRATION_NEEDED']);
    expect(known.system_feature_migration_status).toBe('MIGRATION_NEEDED');

    const forbidden = readinessReport(
      readings([index('.tasks', { system: true })], {
        system_features: {
          check: {
            status: 'forbidden',
            reason: 'action [cluster:admin/migration/get_system_feature] is unauthorized',
          },
          migration_status: null,
          features: [],
        },
      }),
    );
    expect(forbidden.old_indices[0]?.category).toBe('system');
    expect(forbidden.old_indices[0]?.reasons[0]).toContain('feature status unknown: action [cluster:admin');
    expect(forbidden.checks.system_features.status).toBe('forbidden');
  });

  it('takes the current major from the cluster: on 9.x the 8.x indices are the old ones', () => {
    const report = readinessReport({
      ...readings([
        index('seven'),
        index('eight', { version_created: V8 }),
        index('nine', { version_created: 9_000_000 }),
      ]),
      cluster_version: '9.1.0',
    });
    expect(report.old_indices.map((entry) => entry.index)).toEqual(['seven', 'eight']);
  });

  it('names release-shaped version ids and leaves 8.x IndexVersion ids as they are', () => {
    expect(versionString(7_170_099)).toBe('7.17.0');
    expect(versionString(8_000_099)).toBe('8.0.0');
    expect(versionString(8_537_000)).toBe('8537000');
  });

  it('finds percolator fields in objects and multi-fields', () => {
    expect(
      percolatorFields({
        properties: {
          query: { type: 'percolator' },
          meta: { properties: { inner: { type: 'percolator' }, other: { type: 'keyword' } } },
          title: { type: 'text', fields: { q: { type: 'percolator' } } },
          type: { type: 'keyword' },
        },
      }),
    ).toEqual(['query', 'meta.inner', 'title.q']);
  });
});
