import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { RecordedHistory } from './histories';

/** Thrown when a committed history does not replay; names the file and the execution. */
export class HistoryReplayError extends Error {
  override readonly name = 'HistoryReplayError';
  constructor(
    readonly file: string,
    readonly workflowId: string,
    override readonly cause: unknown,
  ) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`replay of ${file} (workflow id ${workflowId}) failed: ${detail}`, { cause });
  }
}

/** Replays one committed history; the CI log then says which recorded execution broke, not only the event. */
export async function replayRecorded(
  workflowBundle: WorkflowBundleWithSourceMap,
  file: string,
  recorded: RecordedHistory,
): Promise<void> {
  try {
    await Worker.runReplayHistory({ workflowBundle }, historyFromJSON(recorded.history), recorded.workflowId);
  } catch (err) {
    throw new HistoryReplayError(file, recorded.workflowId, err);
  }
}
