import type { Client } from '@elastic/elasticsearch';
import { MISSING_TIMESTAMP_PIPELINE } from '../shared/names';

/**
 * Clients (one per worker process) that have put the pipeline: it is the same for every index, so it is
 * put once per process, not once per index. Someone may delete it behind the worker's back; the copy then
 * fails with `isMissingTimestampPipelineGone` and puts it again (`putMissingTimestampPipeline`).
 */
const pipelinePutBy = new WeakSet<Client>();

/** Puts the pipeline that gives a document without `@timestamp` the value 0, as Elasticsearch does. */
export async function putMissingTimestampPipeline(es: Client): Promise<void> {
  await es.ingest.putPipeline({
    id: MISSING_TIMESTAMP_PIPELINE,
    description: 'ds-reindex: sets @timestamp to 0 where a document has none, as Elasticsearch does',
    processors: [{ set: { field: '@timestamp', value: 0, override: false } }],
  });
  pipelinePutBy.add(es);
}

/** Puts the pipeline unless this process already has. */
export async function ensureMissingTimestampPipeline(es: Client): Promise<void> {
  if (!pipelinePutBy.has(es)) await putMissingTimestampPipeline(es);
}

/** A copy failure that says the pipeline is gone (Elasticsearch's bulk item failure for a missing one). */
export function isMissingTimestampPipelineGone(failureMessage: string): boolean {
  return failureMessage.includes(`pipeline with id [${MISSING_TIMESTAMP_PIPELINE}] does not exist`);
}
