import { createEsTarget, type EsTarget } from '../support/es-target';
import { checkInvariants, snapshotSource } from './invariants';

// The checker must see damage, or every green scenario would prove nothing.
const describeWithSandbox = process.env.ES_URL ? describe.skip : describe;

describeWithSandbox('the invariant checker', () => {
  let target: EsTarget;

  beforeAll(async () => {
    target = await createEsTarget();
  });

  afterAll(async () => {
    await target?.close();
  });

  it('reports a lost document, a changed source, a duplicate, an orphan copy, a block and an index not upgraded', async () => {
    const controls = target.controls!;
    const es = target.client;
    const seeded = await controls.seedDataStream({
      name: 'checker-ds',
      backingIndices: [{ docCount: 5 }, { docCount: 5 }],
    });
    const before = await snapshotSource(es, controls, 'checker-ds');
    const [first, second] = seeded.backingIndices as [string, string];
    const firstDocs = controls.getIndexDocuments(first);
    const lostId = firstDocs[0]?._id ?? '';
    const changedId = firstDocs[1]?._id ?? '';
    await es.delete({ index: first, id: lostId, refresh: true });
    await es.index({
      index: first,
      id: changedId,
      document: { '@timestamp': '2020-01-01T00:00:00Z', message: 'changed' },
      refresh: true,
    });
    // A second copy of a document, in the other backing index.
    await es.index({
      index: second,
      id: firstDocs[2]?._id ?? '',
      document: { '@timestamp': '2020-01-01T00:00:00Z', message: 'dup' },
      refresh: true,
    });
    await es.indices.create({ index: '.migrated-nobody' });
    await es.indices.putSettings({ index: second, settings: { 'index.blocks.write': true } });

    const report = await checkInvariants(es, controls, before, {
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
        'orphan copy .migrated-nobody',
        `write index ${second} is blocked`,
        `${second} is left blocked`,
      ]),
    );
  });
});
