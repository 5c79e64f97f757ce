import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/**
 * The message an operator should read for a failed index: the innermost application failure's
 * (Elasticsearch's own reason, or ours), not Temporal's wrappers ("Activity task failed", ...).
 */
export function rootCauseMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (current instanceof TemporalFailure) {
    if (current instanceof ApplicationFailure) message = current.message;
    current = current.cause;
  }
  return message;
}
