/**
 * Names derived from business keys only, so that a retried or replayed run addresses the same things.
 */

/** The data-stream workflow's id, as Elasticsearch names its persistent task. */
export function dataStreamWorkflowId(dataStream: string): string {
  return `reindex-data-stream-${dataStream}`;
}

/** A backing index's child workflow id: unique per data stream and index, readable in the Web UI. */
export function backingIndexWorkflowId(dataStream: string, sourceIndex: string): string {
  return `${dataStreamWorkflowId(dataStream)}/${sourceIndex}`;
}

/**
 * A standalone index's workflow id in the whole-cluster run: one per index, readable in the Web UI; its
 * prefix `reindex-index-` keeps it apart from every data stream's `reindex-data-stream-<name>`.
 */
export function standaloneIndexWorkflowId(index: string): string {
  return `reindex-index-${index}`;
}

/**
 * Elasticsearch's destination name: a leading `.` stays in front, then `migrated-`, then the rest.
 * `.ds-logs-2025.01.23-000001` → `.migrated-ds-logs-2025.01.23-000001`; `foo` → `migrated-foo`.
 */
export function destinationIndexName(sourceIndex: string): string {
  return sourceIndex.startsWith('.') ? `.migrated-${sourceIndex.slice(1)}` : `migrated-${sourceIndex}`;
}

/** The ingest pipeline that gives documents without `@timestamp` the value 0, as Elasticsearch does. */
export const MISSING_TIMESTAMP_PIPELINE = 'ds-reindex-missing-timestamp';
