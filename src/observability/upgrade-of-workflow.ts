import { dataStreamWorkflowId } from '../shared/names';

/** The data stream (and backing index) a workflow id belongs to. */
export interface UpgradeLabels {
  dataStream: string;
  /** Set for a backing index's child workflow, absent for the data-stream workflow. */
  index?: string;
}

const PREFIX = dataStreamWorkflowId('');

/**
 * Reads the data stream and index back out of a workflow id (`reindex-data-stream-<ds>` and
 * `reindex-data-stream-<ds>/<index>`): neither name may contain `/`, so the split is exact. Lets logs and
 * metrics of any workflow or activity carry both without the code that emits them passing them along.
 */
export function upgradeOfWorkflowId(workflowId: string | undefined): UpgradeLabels | undefined {
  if (workflowId === undefined || !workflowId.startsWith(PREFIX)) return undefined;
  const rest = workflowId.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return rest === '' ? undefined : { dataStream: rest };
  return { dataStream: rest.slice(0, slash), index: rest.slice(slash + 1) };
}
