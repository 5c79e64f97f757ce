import { ElasticsearchApiError } from '../../src/client/service/api-error';

/** The Elasticsearch-shaped error a service call failed with; fails the test if it did not fail. */
export async function apiError(call: Promise<unknown>): Promise<ElasticsearchApiError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ElasticsearchApiError) return err;
    throw err;
  }
  throw new Error('expected an Elasticsearch error');
}
