import { describeMissingPrivileges, sampleNames, WORKER_PRIVILEGES } from '../../src/shared/privileges';

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
});
