import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { DataStreamRunReport } from './cluster-definitions';
import type { StandaloneIndexRunReport } from './standalone-definitions';

/**
 * What one run of a cluster upgrade finished before it continued as new: the reports it would otherwise
 * hand to the next run. Each page is a child workflow that returns it, so a run's state stays the same
 * size however many data streams and indices the upgrade has finished; the service reads the pages back
 * into the status. A page stays open until its cluster run ends, so the namespace's retention keeps it
 * as long as the cluster run's own record.
 */
export interface FinishedPage {
  data_streams: DataStreamRunReport[];
  standalone_indices: StandaloneIndexRunReport[];
}

/** What a run knows of the pages earlier runs wrote: their number, and what they hold in counts. */
export interface EarlierFinished {
  /** Pages written, numbered from 1; read them by `finishedPageWorkflowId`. */
  pages: number;
  /** The cluster run's first run id, which names its pages. */
  first_run_id: string;
  data_streams: number;
  /** Data streams in the pages whose outcome is not a success. */
  data_streams_unsuccessful: number;
  standalone_indices: number;
  standalone_indices_unsuccessful: number;
  /** Absent unless a reset made a run write a page number an abandoned run had written (`PageNaming`). */
  renamed?: RenamedPages[];
}

/**
 * From page `from_page` on, pages are named by `run_id` instead of the first run id. An operator's reset
 * of the cluster workflow (`temporal workflow reset`) starts a run with the same first run id that writes
 * again the page numbers the abandoned runs wrote; page ids are never reused, so a page read once is the
 * page for good.
 */
export interface RenamedPages {
  from_page: number;
  run_id: string;
}

/** What names the pages of one cluster upgrade. */
export type PageNaming = Pick<EarlierFinished, 'first_run_id' | 'renamed'>;

/** The workflow id of page `page` (from 1) of the cluster upgrade that `naming` names. */
export function finishedPageWorkflowId(naming: PageNaming, page: number): string {
  let runId = naming.first_run_id;
  for (const renamed of naming.renamed ?? []) if (renamed.from_page <= page) runId = renamed.run_id;
  return `ds-reindex-cluster-finished-${runId}-${page}`;
}

export const finishedPageQuery = defineQuery<FinishedPage>('finishedPage');

/** Sent by the cluster run as it ends: its pages may close (their retention starts with its own). */
export const releaseFinishedPageSignal = defineSignal('releaseFinishedPage');

/** A page: answers the reports it was started with, until its cluster run ends, and returns them. */
export async function clusterFinishedPage(page: FinishedPage): Promise<FinishedPage> {
  let released = false;
  setHandler(finishedPageQuery, () => page);
  setHandler(releaseFinishedPageSignal, () => {
    released = true;
  });
  await condition(() => released);
  return page;
}

/** The Web UI's line for what earlier runs finished without success; none when nothing did. */
export function earlierUnsuccessfulLines(unsuccessful: number): string[] {
  return unsuccessful > 0 ? [`- ${unsuccessful} more not upgraded by earlier runs (see the status)`] : [];
}
