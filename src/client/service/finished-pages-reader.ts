import type { Client as TemporalClient } from '@temporalio/client';
import {
  finishedPageQuery,
  finishedPageWorkflowId,
  type ClusterUpgradeStatus,
  type FinishedPage,
} from '../../workflows';

/** Pages read at once: a status of a long run reads one per `maxDataStreamsPerRun` data streams. */
const PAGES_READ_AT_ONCE = 8;

/**
 * Puts what earlier runs of a cluster upgrade finished back into its status: the workflow answers only
 * its own run's reports and counts of the rest, which are in pages (see `finished-pages.ts`). A page
 * never changes once written, so each is read once per process.
 */
export class FinishedPagesReader {
  private readonly pages = new Map<string, FinishedPage>();

  constructor(private readonly temporal: TemporalClient) {}

  /** The status with every finished data stream and standalone index, in the order they finished. */
  async complete(status: ClusterUpgradeStatus): Promise<ClusterUpgradeStatus> {
    const { earlier_finished: earlier, ...rest } = status;
    if (earlier === undefined) return status;
    const ids = Array.from({ length: earlier.pages }, (_, at) => finishedPageWorkflowId(earlier, at + 1));
    const pages: FinishedPage[] = [];
    for (let from = 0; from < ids.length; from += PAGES_READ_AT_ONCE) {
      pages.push(
        ...(await Promise.all(ids.slice(from, from + PAGES_READ_AT_ONCE).map((id) => this.read(id)))),
      );
    }
    const standalone = rest.standalone_indices;
    return {
      ...rest,
      finished: [...pages.flatMap((page) => page.data_streams), ...rest.finished],
      ...(standalone !== undefined
        ? {
            standalone_indices: {
              ...standalone,
              finished: [...pages.flatMap((page) => page.standalone_indices), ...standalone.finished],
            },
          }
        : {}),
    };
  }

  private async read(workflowId: string): Promise<FinishedPage> {
    const cached = this.pages.get(workflowId);
    if (cached !== undefined) return cached;
    const page = await this.temporal.workflow.getHandle(workflowId).query(finishedPageQuery);
    this.pages.set(workflowId, page);
    return page;
  }
}
