import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { RecordedHistory } from './histories';
import { TRACING_OFF } from '../../src/observability/tracing';
import { workflowSpanSinks } from '../../src/worker/worker-tracing';

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
    // The worker's span sink, as a traced history's workflow code calls it (the spans are dropped).
    const sinks = workflowSpanSinks(TRACING_OFF);
    await Worker.runReplayHistory(
      { workflowBundle, sinks },
      historyFromJSON(recorded.history),
      recorded.workflowId,
    );
  } catch (err) {
    throw new HistoryReplayError(file, recorded.workflowId, err);
  }
}
