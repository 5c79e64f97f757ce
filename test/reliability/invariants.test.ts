import { backingIndexVersions, createEsTarget, onCurrentVersion, type EsTarget } from '../support';
import { checkInvariants, snapshotSource } from './invariants';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

/** A completed status that claims `successes`, as the workflow would report it. */
function completedWith(successes: number): ReindexDataStreamStatus {
  return {
    start_time_millis: 0,
    complete: true,
    total_indices_in_data_stream: 4,
    total_indices_requiring_upgrade: 2,
    successes,
    in_progress: [],
    pending: 0,
    errors: [],
  };
}

// The checker must see damage, or every green scenario would prove nothing. It reads documents the
// way the scenarios do, so it runs on the sandbox and on a real cluster alike.
describe('the invariant checker', () => {
  let target: EsTarget;
  const ds = 'checker-ds';
  const orphan = `.migrated-ds-${ds}-orphan`;
  const counted = 'checker-counted-ds';

  beforeAll(async () => {
    target = await createEsTarget();
  });

  afterAll(async () => {
    await target.client.indices.deleteDataStream({ name: ds }, { ignore: [404] });
    await target.client.indices.deleteDataStream({ name: counted }, { ignore: [404] });
    await target.client.indices.delete({ index: orphan }, { ignore: [404] });
    await target.close();
  });

  it('reports a lost document, a changed source, a duplicate, an orphan copy, a block and an index not upgraded', async () => {
    const es = target.client;
    const [first, second] = (await target.seedDataStream(ds, [{ docCount: 5 }, { docCount: 5 }])) as [
      string,
      string,
    ];
    const before = await snapshotSource(target, ds);
    const firstDocs = await target.documents(first);
    const lostId = firstDocs[0]?._id ?? '';
    const changedId = firstDocs[1]?._id ?? '';
    await es.delete({ index: first, id: lostId, refresh: true });
    // A backing index by name takes only updates that name the document's sequence number and term.
    const changed = await es.get({ index: first, id: changedId });
    await es.index({
      index: first,
      id: changedId,
      if_seq_no: changed._seq_no,
      if_primary_term: changed._primary_term,
      document: { '@timestamp': '2020-01-01T00:00:00Z', message: 'changed' },
      refresh: true,
    });
    // A second copy of a document, written through the data stream into its write index.
    await es.create({
      index: ds,
      id: firstDocs[2]?._id ?? '',
      document: { '@timestamp': '2020-01-01T00:00:00Z', message: 'dup' },
      refresh: true,
    });
    await es.indices.create({ index: orphan });
    await es.indices.putSettings({ index: second, settings: { 'index.blocks.write': true } });

    const report = await checkInvariants(target, before, {
      acknowledged: new Map([['never-written', { message: 'acknowledged but missing' }]]),
    });
    expect(report.documentsLost).toBe(2);
    expect(report.duplicates).toBe(1);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        '2 documents lost',
        '1 documents present more than once',
        expect.stringMatching(/^2 sources changed/),
        `${first} is still in the data stream`,
        `orphan copy ${orphan}`,
        `write index ${second} is blocked`,
        `${second} is left blocked`,
      ]),
    );
  });

  it('reports a status whose successes are not the backing indices Elasticsearch shows on the current version', async () => {
    const es = target.client;
    // Two old backing indices, then two rollovers: a current index that is no longer the write index
    // (what an upgraded one looks like to the count), and a current write index, which never counts.
    await target.seedDataStream(counted, [{ docCount: 3 }, { docCount: 3 }]);
    const before = await snapshotSource(target, counted);
    await es.indices.rollover({ alias: counted });
    await es.indices.rollover({ alias: counted });
    const versions = await backingIndexVersions(es, counted);
    expect(versions.indices.map((entry) => entry.current)).toEqual([false, false, true]);
    expect(versions.writeIndex?.current).toBe(true);
    expect(onCurrentVersion(versions)).toHaveLength(1);
    const statusViolations = async (successes: number, atStart?: typeof versions): Promise<string[]> =>
      (
        await checkInvariants(target, before, { upgrade: { status: completedWith(successes), atStart } })
      ).violations.filter((violation) => violation.startsWith(`the status of ${counted}`));

    expect(await statusViolations(1)).toEqual([]);
    expect(await statusViolations(2)).toEqual([
      expect.stringMatching(/says 2 successes, but Elasticsearch \S+ shows 1 backing indices upgraded/),
    ]);
    expect(await statusViolations(0)).toHaveLength(1);
    // Already current when the upgrade started: not the upgrade's doing.
    expect(await statusViolations(0, versions)).toEqual([]);
    expect(await statusViolations(1, versions)).toHaveLength(1);
  });
});
