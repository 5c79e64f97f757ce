import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { PauseAnswer } from '../../workflows';

/**
 * How a workflow whose code has no handler for an update refuses it (the SDK's wording): the run's worker
 * predates pause and resume as updates.
 */
const NO_UPDATE_HANDLER = 'No registered handler for update';

/** What became of a pause or resume sent as an update. */
export type PauseUpdateOutcome =
  | { kind: 'applied'; answer: PauseAnswer }
  /** The workflow's validator refused it; `reason` says why, in the workflow's words. */
  | { kind: 'refused'; reason: string }
  /** The run is gone (closed or never there). */
  | { kind: 'not-running' }
  /** The run's worker has no handler for the update: an older version, which only has the signal. */
  | { kind: 'no-handler' };

/**
 * What became of a pause or resume that `send` sends as a Workflow Update (`handle.executeUpdate`),
 * which answers once the workflow has applied it: the workflow validates it (a resume of what is not
 * paused is refused) and answers with the pause as it then is.
 */
export async function pauseUpdateOutcome(send: () => Promise<PauseAnswer>): Promise<PauseUpdateOutcome> {
  try {
    return { kind: 'applied', answer: await send() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'not-running' };
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const reason = err.cause?.message ?? err.message;
    if (reason.startsWith(NO_UPDATE_HANDLER)) return { kind: 'no-handler' };
    return { kind: 'refused', reason };
  }
}
