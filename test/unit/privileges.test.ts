import { clusterPrivilegeTargets } from '../../src/client/service/cluster-privilege-targets';
import {
  describeMissingPrivileges,
  sampleNames,
  STANDALONE_ALIAS_PRIVILEGE,
  WORKER_PRIVILEGES,
} from '../../src/shared/privileges';

describe("the worker's privileges", () => {
  it('samples a few names, evenly, first and last included', () => {
    const names = Array.from({ length: 100 }, (_, i) => `.ds-logs-${String(i + 1).padStart(6, '0')}`);
    const sample = sampleNames(names, 3);
    expect(sample).toEqual(['.ds-logs-000001', '.ds-logs-000051', '.ds-logs-000100']);
    expect(sampleNames(names.slice(0, 2), 20)).toEqual(names.slice(0, 2));
    expect(sampleNames(names, 20)).toHaveLength(20);
  });

  it('says which privilege is missing, where, which action Elasticsearch refuses and why it is needed', () => {
    const write = WORKER_PRIVILEGES.find(
      (entry) => entry.scope === 'destination' && entry.privilege === 'write',
    )!;
    const manage = WORKER_PRIVILEGES.find((entry) => entry.scope === 'cluster')!;
    const message = describeMissingPrivileges('API key id [k1] of user [elastic]', [
      { ...manage, names: [] },
      { ...write, names: ['.migrated-ds-a-1', '.migrated-ds-a-2', '.migrated-ds-a-3', '.migrated-ds-a-4'] },
    ]);
    expect(message).toBe(
      "the worker's API key id [k1] of user [elastic] lack the cluster privilege [manage], without which Elasticsearch " +
        `refuses [cluster:admin/ingest/pipeline/put]: needed to ${manage.why}; and the index privilege [write] on ` +
        '[.migrated-ds-a-1,.migrated-ds-a-2,.migrated-ds-a-3, and 1 more], without which Elasticsearch refuses ' +
        '[indices:data/write/reindex]: needed to write the copy into the new index',
    );
  });

  it("checks a cluster run's standalone indices and every alias of each, which the switch moves", () => {
    const targets = clusterPrivilegeTargets({
      data_streams: [
        {
          data_stream: 'logs-a',
          included: true,
          indices_to_reindex: 1,
          old_indices: [
            { index: '.ds-logs-a-1', path: 'read-only' },
            { index: '.ds-logs-a-2', path: 'reindex' },
          ],
        },
        { data_stream: 'logs-ro', included: true, indices_to_reindex: 0, old_indices: [] },
      ],
      standalone_indices: {
        indices: [
          { index: 'orders-2023', path: 'reindex', aliases: ['orders', 'orders-write'] },
          { index: 'audit-2022', path: 'reindex', aliases: ['orders'] },
          { index: 'metrics-2021', path: 'read-only', aliases: ['metrics'] },
          { index: '.tasks', path: 'skip', aliases: ['tasks-alias'] },
        ],
      },
    });
    expect(targets).toEqual({
      dataStreams: ['logs-a', 'orders-2023', 'audit-2022'],
      backingIndices: ['.ds-logs-a-2', 'orders-2023', 'audit-2022'],
      aliases: ['orders', 'orders-write'],
    });
    // Without aliases the check asks exactly what it asked before.
    expect(clusterPrivilegeTargets({ data_streams: [] })).toEqual({ dataStreams: [], backingIndices: [] });
  });

  it('names a missing alias privilege and the _aliases action it refuses', () => {
    const message = describeMissingPrivileges('user [ops] with roles [worker]', [
      { ...STANDALONE_ALIAS_PRIVILEGE, names: ['orders-write'] },
    ]);
    expect(message).toBe(
      "the worker's user [ops] with roles [worker] lack the index privilege [manage] on [orders-write], without " +
        "which Elasticsearch refuses [indices:admin/aliases]: needed to move a standalone index's aliases to the " +
        'new index, in the one _aliases call that gives it the old name',
    );
    expect(WORKER_PRIVILEGES).not.toContain(STANDALONE_ALIAS_PRIVILEGE);
  });
});
