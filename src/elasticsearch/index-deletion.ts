import type { Client } from '@elastic/elasticsearch';
import { isIndexNotFound } from './errors';

/**
 * Deletes one index; one that does not exist counts as deleted. Never with `ignore_unavailable`: with
 * security on, that turns an index the caller may not delete into "unavailable", and the delete would
 * succeed without deleting anything (seen on a real secured 8.19.21: the old index outlived its upgrade).
 */
export async function deleteIndexIfExists(es: Client, index: string): Promise<void> {
  try {
    await es.indices.delete({ index });
  } catch (err) {
    if (!isIndexNotFound(err)) throw err;
  }
}
