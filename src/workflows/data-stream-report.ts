import type { WatchedUpgrade } from '../activities/cluster-activities';
import {
  DATA_STREAM_OUTCOMES,
  type DataStreamOutcome,
  type DataStreamRunReport,
  type RunningDataStream,
} from './cluster-definitions';
import { CLUSTER_TUNABLES as C } from './tunables';
import type { IndexError } from '../shared/status';

/** Failed indices listed in the report, capped in number and length: the cluster run's state stays small. */
function cappedErrors(errors: readonly IndexError[]): { errors: IndexError[]; errors_omitted: number } {
  const kept = errors.slice(0, C.MAX_ERRORS_PER_DATA_STREAM).map((error) => ({
    index: error.index,
    message:
      error.message.length > C.MAX_ERROR_MESSAGE_CHARS
        ? `${error.message.slice(0, C.MAX_ERROR_MESSAGE_CHARS)}…`
        : error.message,
  }));
  return { errors: kept, errors_omitted: errors.length - kept.length };
}

const NOT_ROLLED_BACK =
  'so the backing indices it was upgrading could not roll back: they may still be write-blocked, with ' +
  "partial copies left behind (see the data stream's status)";

/**
 * How an upgrade the run did not stop itself ended, when that is not what the run asked for: said
 * plainly, as the report's exception. A cancel, termination or timeout from outside the run is never
 * a success.
 */
const ENDED_FROM_OUTSIDE: Partial<Record<WatchedUpgrade['end'], string>> = {
  cancelled:
    'its upgrade was cancelled from outside this cluster run; the backing indices it was upgrading were ' +
    'rolled back and keep their old version',
  terminated: `its upgrade was terminated from outside this cluster run, ${NOT_ROLLED_BACK}`,
  timed_out: `its upgrade timed out, ${NOT_ROLLED_BACK}`,
  gone: 'its upgrade ended without a status (deleted, or replaced by a new start)',
};

/** The outcome of a data stream whose upgrade the run watched to its end. */
export function outcomeOf(watched: WatchedUpgrade, indicesMarkedReadOnly: number): DataStreamOutcome {
  const status = watched.status;
  if (watched.end === 'cancelled') return DATA_STREAM_OUTCOMES.CANCELLED;
  if (watched.end !== 'complete' || status === undefined) return DATA_STREAM_OUTCOMES.FAILED;
  if (status.errors.length > 0) return DATA_STREAM_OUTCOMES.UPGRADED_WITH_ERRORS;
  if (status.total_indices_requiring_upgrade === 0) {
    return indicesMarkedReadOnly > 0 ? DATA_STREAM_OUTCOMES.READ_ONLY : DATA_STREAM_OUTCOMES.UP_TO_DATE;
  }
  return DATA_STREAM_OUTCOMES.UPGRADED;
}

/** How a data stream's part of the run ended: its watched upgrade, or an outcome the run decided. */
export interface DataStreamEnd {
  watched?: WatchedUpgrade;
  /** The outcome when the run decided it (nothing to reindex, a cancel, a failed preparation). */
  outcome?: DataStreamOutcome;
  /** Why it failed, when the run knows better than the upgrade's own status. */
  exception?: string;
  /** Whether the run itself stopped this upgrade (its cancel): then its end needs no explanation. */
  stoppedByRun?: boolean;
}

/** One data stream's line in the report, from where the run left it and how its upgrade ended. */
export function dataStreamReport(
  entry: RunningDataStream,
  end: DataStreamEnd,
  finishedAtMillis: number,
): DataStreamRunReport {
  const { watched } = end;
  const prepared = entry.prepared;
  const marked = prepared?.indicesMarkedReadOnly ?? 0;
  const counted = !entry.adopted && prepared !== undefined;
  const report: DataStreamRunReport = {
    data_stream: entry.data_stream,
    outcome:
      end.outcome ?? (watched !== undefined ? outcomeOf(watched, marked) : DATA_STREAM_OUTCOMES.FAILED),
    adopted: entry.adopted,
    started_at_millis: entry.started_at_millis,
    finished_at_millis: finishedAtMillis,
    indices_requiring_upgrade: watched?.status?.total_indices_requiring_upgrade ?? 0,
    indices_reindexed: watched?.status?.successes ?? 0,
    indices_failed: watched?.status?.errors.length ?? 0,
    indices_marked_read_only: marked,
    indices_already_read_only: prepared?.indicesAlreadyReadOnly ?? 0,
    documents: counted ? prepared.documentsToReindex : null,
    bytes: counted ? prepared.bytesToReindex : null,
    ...cappedErrors(watched?.status?.errors ?? []),
  };
  const outside =
    watched !== undefined && end.stoppedByRun !== true ? ENDED_FROM_OUTSIDE[watched.end] : undefined;
  const exception = end.exception ?? watched?.status?.exception ?? outside;
  if (exception !== undefined) report.exception = exception;
  return report;
}
