import type { Client } from '@elastic/elasticsearch';
import type { IndicesDataStream } from '@elastic/elasticsearch/lib/api/types';
import { isNotFound } from './errors';

/** The name is not a data stream: missing, or a plain index or alias. Elasticsearch's 404 reason. */
export class DataStreamNotFoundError extends Error {
  override readonly name = 'DataStreamNotFoundError';
  constructor(readonly dataStream: string) {
    super(`Data stream named [${dataStream}] does not exist`);
  }
}

/** The data stream of exactly this name (no wildcard expansion), or `DataStreamNotFoundError`. */
export async function getDataStream(es: Client, dataStream: string): Promise<IndicesDataStream> {
  try {
    const response = await es.indices.getDataStream({ name: dataStream, expand_wildcards: 'all' });
    const stream = response.data_streams.find((candidate) => candidate.name === dataStream);
    if (stream) return stream;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  throw new DataStreamNotFoundError(dataStream);
}

/** Its backing indices, oldest first as Elasticsearch lists them; the write index is last. */
export async function getBackingIndexNames(es: Client, dataStream: string): Promise<string[]> {
  return (await getDataStream(es, dataStream)).indices.map((entry) => entry.index_name);
}

/** Whether an index exists, and the data stream it backs, if any (`GET /<index>` says so). */
export async function dataStreamOfIndex(
  es: Client,
  index: string,
): Promise<{ exists: boolean; dataStream?: string }> {
  try {
    const response = await es.indices.get({ index, expand_wildcards: 'all' });
    return { exists: true, dataStream: response[index]?.data_stream };
  } catch (err) {
    if (isNotFound(err)) return { exists: false };
    throw err;
  }
}
