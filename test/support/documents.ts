import type { Client } from '@elastic/elasticsearch';

/** Every document `_id` in an index pattern or data stream, read with the scroll API like any client would. */
export async function allDocumentIds(es: Client, index: string): Promise<string[]> {
  await es.indices.refresh({ index, expand_wildcards: 'all', ignore_unavailable: true });
  const ids: string[] = [];
  let response = await es.search({
    index,
    scroll: '1m',
    size: 5_000,
    query: { match_all: {} },
    _source: false,
    sort: ['_doc'],
  });
  while (response.hits.hits.length > 0) {
    for (const hit of response.hits.hits) if (hit._id !== undefined) ids.push(hit._id);
    if (response._scroll_id === undefined) break;
    response = await es.scroll({ scroll_id: response._scroll_id, scroll: '1m' });
  }
  if (response._scroll_id !== undefined)
    await es.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
  return ids;
}

/** The ids that occur more than once. */
export function duplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) (seen.has(id) ? repeated : seen).add(id);
  return [...repeated];
}

export async function backingIndexNames(es: Client, dataStream: string): Promise<string[]> {
  const response = await es.indices.getDataStream({ name: dataStream });
  return response.data_streams[0]?.indices.map((entry) => entry.index_name) ?? [];
}
