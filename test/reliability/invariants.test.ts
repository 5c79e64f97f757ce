import { createEsTarget, type EsTarget } from '../support';
import { checkInvariants, snapshotSource } from './invariants';

// The checker must see damage, or every green scenario would prove nothing. It reads documents the
// way the scenarios do, so it runs on the sandbox and on a real cluster alike.
describe('the invariant checker', () => {
  let target: EsTarget;
  const ds = 'checker-ds';
  const orphan = `.migrated-ds-${ds}-orphan`;

  beforeAll(async () => {
    target = await createEsTarget();
  });

  afterAll(async () => {
    await target.client.indices.deleteDataStream({ name: ds }, { ignore: [404] });
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
});
