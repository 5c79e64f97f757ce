import {
  CancellationScope,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ReindexClusterInput } from './cluster-definitions';
import type { ClusterRunState } from './cluster-run-state';
import {
  clusterFinishedPage,
  finishedPageWorkflowId,
  releaseFinishedPageSignal,
  type EarlierFinished,
  type FinishedPage,
  type PageNaming,
} from './finished-pages';

/**
 * Writes what this run finished as the cluster run's next pages (child workflows that keep them) and
 * answers the next run's input, which holds only counts of them: the state handed over stays the same
 * size however many data streams are done. A data stream that finishes while a page is being written
 * goes into one more page, so none is lost between two runs. Not cancellable, for the same reason.
 */
export async function writeFinishedPages(run: ClusterRunState): Promise<ReindexClusterInput> {
  const { firstExecutionRunId, runId } = workflowInfo();
  for (
    let next = run.nextPage(firstExecutionRunId);
    next !== undefined;
    next = run.nextPage(firstExecutionRunId)
  ) {
    if (await CancellationScope.nonCancellable(() => startPage(next))) {
      run.pageWritten(next);
    } else {
      // A reset abandoned the runs that wrote this page number and the ones after it: they are stale.
      const stale = next.earlier;
      await CancellationScope.nonCancellable(() => releasePagesFrom(stale, stale.pages));
      run.renamePagesFrom(next.earlier.pages, runId);
    }
  }
  return run.continuedInput();
}

/** Starts the page; false when its id exists (ids are never reused, so a page once read stays true). */
async function startPage({
  page,
  earlier,
}: {
  page: FinishedPage;
  earlier: EarlierFinished;
}): Promise<boolean> {
  try {
    await startChild(clusterFinishedPage, {
      workflowId: finishedPageWorkflowId(earlier, earlier.pages),
      args: [page],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** Lets every page of the run close, now that the run ends: their retention starts with its own. */
export async function releaseFinishedPages(run: ClusterRunState): Promise<void> {
  const earlier = run.earlier;
  if (earlier === undefined) return;
  await Promise.all(
    Array.from({ length: earlier.pages }, (_, at) =>
      release(earlier, at + 1).catch(
        // One an operator ended already needs no release.
        () => undefined,
      ),
    ),
  );
}

/** Releases the pages named by `naming` from `fromPage` on, up to the first that is not open. */
async function releasePagesFrom(naming: PageNaming, fromPage: number): Promise<void> {
  for (let page = fromPage; ; page += 1) {
    const released = await release(naming, page).then(
      () => true,
      () => false,
    );
    if (!released) return;
  }
}

function release(naming: PageNaming, page: number): Promise<void> {
  return getExternalWorkflowHandle(finishedPageWorkflowId(naming, page)).signal(releaseFinishedPageSignal);
}
