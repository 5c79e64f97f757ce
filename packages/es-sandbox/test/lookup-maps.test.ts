import type { Client } from '@elastic/elasticsearch';
import { expectErrorType, startTestSandbox, uniqueName, type TestSandbox } from './helpers';

// The constant-time lookups (alias names, a backing index's data stream) must follow every change the
// handlers make, as the scans they replace did.
describe('sandbox lookups at scale', () => {
  let target: TestSandbox;
  let es: Client;

  beforeAll(async () => {
    target = await startTestSandbox();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  /** A data stream of two one-document backing indices, oldest first. */
  const seedTwoIndices = (name: string) =>
    target.controls.seedDataStream({ name, backingIndices: [{ docCount: 1 }, { docCount: 1 }] });

  test('an alias name stays taken while any index holds it, and is free once none does', async () => {
    const alias = uniqueName('alias');
    const [first, second] = [uniqueName('first'), uniqueName('second')];
    await es.indices.create({ index: first, aliases: { [alias]: {} } });
    await es.indices.create({ index: second });
    await es.indices.updateAliases({ actions: [{ add: { index: second, alias } }] });
    await expectErrorType(es.indices.create({ index: alias }), 400, 'invalid_index_name_exception');
    await es.indices.delete({ index: first });
    await expectErrorType(es.indices.create({ index: alias }), 400, 'invalid_index_name_exception');
    await es.indices.updateAliases({ actions: [{ remove: { index: second, alias } }] });
    await es.indices.create({ index: alias });
    expect(await es.indices.exists({ index: alias })).toBe(true);
  });

  test("a backing index's data stream follows rollovers, swaps and deletes", async () => {
    const name = uniqueName('ds');
    const seeded = await seedTwoIndices(name);
    const [oldest] = seeded.backingIndices;
    if (oldest === undefined) throw new Error('nothing seeded');
    // Its write index cannot be deleted: the lookup knows it before the rollover changes it.
    await expectErrorType(
      es.indices.delete({ index: seeded.backingIndices[1] ?? '' }),
      400,
      'illegal_argument_exception',
    );
    const rolled = await es.indices.rollover({ alias: name });
    // The new write index is the data stream's: deleting it is refused.
    await expectErrorType(es.indices.delete({ index: rolled.new_index }), 400, 'illegal_argument_exception');
    // Swapped out, the old index is no longer a backing index: it can be deleted, and added back it is one again.
    await es.indices.modifyDataStream({
      actions: [{ remove_backing_index: { data_stream: name, index: oldest } }],
    });
    const standalone = uniqueName('standalone');
    await es.indices.create({
      index: standalone,
      mappings: { properties: { '@timestamp': { type: 'date' } } },
    });
    await es.indices.modifyDataStream({
      actions: [{ add_backing_index: { data_stream: name, index: standalone } }],
    });
    const afterSwap = await es.indices.getDataStream({ name });
    expect(afterSwap.data_streams[0]?.indices.map((index) => index.index_name)).toContain(standalone);
    await es.indices.delete({ index: oldest });
    await es.indices.delete({ index: standalone });
    const afterDelete = await es.indices.getDataStream({ name });
    expect(afterDelete.data_streams[0]?.indices.map((index) => index.index_name)).not.toContain(standalone);
    // Deleted, it belongs to no data stream: a new index of that name can join another one.
    const other = uniqueName('other');
    await target.controls.seedDataStream({ name: other, backingIndices: [{ docCount: 1 }] });
    await es.indices.create({
      index: standalone,
      mappings: { properties: { '@timestamp': { type: 'date' } } },
    });
    await es.indices.modifyDataStream({
      actions: [{ add_backing_index: { data_stream: other, index: standalone } }],
    });
  });

  test('within one modify request, an index removed from one data stream can join another, and only then', async () => {
    const [from, to] = [uniqueName('from'), uniqueName('to')];
    const [oldest] = (await seedTwoIndices(from)).backingIndices;
    await seedTwoIndices(to);
    if (oldest === undefined) throw new Error('nothing seeded');
    const addToOther = { add_backing_index: { data_stream: to, index: oldest } };
    // Still owned by its data stream: refused, and nothing of the request applied.
    await expectErrorType(
      es.indices.modifyDataStream({ actions: [addToOther] }),
      400,
      'illegal_argument_exception',
    );
    await es.indices.modifyDataStream({
      actions: [{ remove_backing_index: { data_stream: from, index: oldest } }, addToOther],
    });
    const [source, target] = (await es.indices.getDataStream({ name: `${from},${to}` })).data_streams;
    expect(source?.indices.map((index) => index.index_name)).not.toContain(oldest);
    expect(target?.indices[0]?.index_name).toBe(oldest);
    // The lookup followed the move: removing it from its new data stream works, from its old one does not.
    await expectErrorType(
      es.indices.modifyDataStream({
        actions: [{ remove_backing_index: { data_stream: from, index: oldest } }],
      }),
      400,
      'illegal_argument_exception',
    );
    // Deleted, it leaves its new data stream.
    await es.indices.delete({ index: oldest });
    const afterDelete = await es.indices.getDataStream({ name: to });
    expect(afterDelete.data_streams[0]?.indices.map((index) => index.index_name)).not.toContain(oldest);
  });

  test('a deleted backing index backs nothing: a new index of its name takes documents as any index', async () => {
    const name = uniqueName('deleted');
    const seeded = await seedTwoIndices(name);
    const [first] = seeded.backingIndices;
    if (first === undefined) throw new Error('nothing seeded');
    // A backing index takes no new document by its own name.
    await expectErrorType(es.index({ index: first, document: { n: 1 } }), 400, 'illegal_argument_exception');
    await es.indices.delete({ index: first });
    await es.indices.create({ index: first, mappings: { properties: { '@timestamp': { type: 'date' } } } });
    await es.index({ index: first, document: { '@timestamp': '2026-01-01T00:00:00Z' } });
  });
});
