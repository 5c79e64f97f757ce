import type { Client } from '@elastic/elasticsearch';
import type { CopyTarget } from '../../src/activities/copy-task-requests';

/**
 * A copy as an index's steps leave it just before the copy: a write-blocked source of `documents` documents
 * (each with `@timestamp`), and its empty destination with no replicas and no refresh. `prefix` names both.
 */
export async function preparedCopy(es: Client, prefix: string, documents: number): Promise<CopyTarget> {
  const copy = { dataStream: prefix, sourceIndex: `${prefix}-src`, destinationIndex: `${prefix}-src-copy` };
  await es.indices.create({ index: copy.sourceIndex, settings: { number_of_replicas: 0 } });
  const operations: object[] = [];
  for (let n = 0; n < documents; n += 1) {
    operations.push({ create: { _index: copy.sourceIndex, _id: `d${n}` } }, { '@timestamp': n, n });
  }
  const written = await es.bulk({ operations, refresh: true });
  if (written.errors) throw new Error(`seeding [${copy.sourceIndex}] failed`);
  await es.indices.addBlock({ index: copy.sourceIndex, block: 'write' });
  await es.indices.create({
    index: copy.destinationIndex,
    settings: { number_of_replicas: 0, refresh_interval: '-1' },
  });
  return copy;
}
