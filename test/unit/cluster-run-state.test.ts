import type { PreparedDataStream } from '../../src/activities/cluster-activities';
import {
  DATA_STREAM_OUTCOMES,
  isSuccessfulOutcome,
  type DataStreamOutcome,
  type ReindexClusterInput,
  type RunningDataStream,
} from '../../src/workflows/cluster-definitions';
import { ClusterRunState } from '../../src/workflows/cluster-run-state';
import { dataStreamReport } from '../../src/workflows/data-stream-report';
import { finishedPageWorkflowId } from '../../src/workflows/finished-pages';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

const input: ReindexClusterInput = {
  dataStreams: ['a', 'b', 'c'],
  pattern: '*',
  maxDataStreams: 2,
  readOnly: { kind: 'none' },
  dataStreamRun: { statusRetentionMs: 1, maxIndicesPerRun: 1 },
};

const entry = (overrides: Partial<RunningDataStream> = {}): RunningDataStream => ({
  data_stream: 'a',
  started_at_millis: 10,
  step: 'upgrading',
  adopted: false,
  ...overrides,
});

const status = (overrides: Partial<ReindexDataStreamStatus> = {}): ReindexDataStreamStatus => ({
  start_time_millis: 10,
  complete: true,
  total_indices_in_data_stream: 3,
  total_indices_requiring_upgrade: 2,
  successes: 2,
  in_progress: [],
  pending: 0,
  errors: [],
  ...overrides,
});

/** Starts and finishes `count` data streams of `run`: the first ends as `firstOutcome`, the others upgraded. */
const finishDataStreams = (
  run: ClusterRunState,
  count: number,
  firstOutcome: DataStreamOutcome = DATA_STREAM_OUTCOMES.UPGRADED,
): void => {
  for (let at = 0; at < count; at += 1) {
    const started = run.startNext(1);
    if (started === undefined) throw new Error('nothing pending');
    const outcome = at === 0 ? firstOutcome : DATA_STREAM_OUTCOMES.UPGRADED;
    run.finish(dataStreamReport(started, { outcome }, 2));
  }
};

describe('the outcomes of a cluster run', () => {
  it('counts upgraded, read-only and up to date as successes, and nothing else', () => {
    const successes = Object.values(DATA_STREAM_OUTCOMES).filter((outcome) => isSuccessfulOutcome(outcome));
    expect(successes.sort()).toEqual(['read_only', 'up_to_date', 'upgraded']);
  });

  it('completes a run whose data streams were all up to date, and lists none of them as failed', () => {
    const run = new ClusterRunState(input, 0);
    for (const name of input.dataStreams) {
      const started = run.startNext(1);
      expect(started?.data_stream).toBe(name);
      if (started === undefined) continue;
      run.finish(dataStreamReport(started, { outcome: DATA_STREAM_OUTCOMES.UP_TO_DATE }, 2));
    }
    expect(run.complete(3)).toBe('completed');
    expect(run.details()).not.toContain('up_to_date');
  });

  it.each<[DataStreamOutcome, string]>([
    ['cancelled', 'completed_with_errors'],
    ['failed', 'completed_with_errors'],
    ['upgraded_with_errors', 'completed_with_errors'],
    ['read_only', 'completed'],
  ])('ends a run with a %s data stream %s', (outcome, state) => {
    const run = new ClusterRunState({ ...input, dataStreams: ['a'] }, 0);
    const started = run.startNext(1);
    if (started === undefined) throw new Error('nothing started');
    run.finish(dataStreamReport(started, { outcome }, 2));
    expect(run.complete(3)).toBe(state);
  });
});

describe('what a cluster run hands to the next', () => {
  const many = Array.from({ length: 300 }, (_, at) => `logs-app-${String(at).padStart(3, '0')}`);

  /** Starts and finishes `count` data streams of `run`, the first of them failed. */
  const finishSome = (run: ClusterRunState, count: number): void =>
    finishDataStreams(run, count, DATA_STREAM_OUTCOMES.FAILED);

  /** Hands `run` over as a continue-as-new would, its pages written. */
  const handOver = (run: ClusterRunState): ClusterRunState => {
    for (let next = run.nextPage('first-run'); next !== undefined; next = run.nextPage('first-run')) {
      run.pageWritten(next);
    }
    return new ClusterRunState(run.continuedInput(), 5);
  };

  it('is the same size however many data streams are done: their reports go to a page', () => {
    const run = new ClusterRunState({ ...input, dataStreams: many }, 0);
    finishSome(run, 100);
    expect(run.nextPage('first-run')?.page.data_streams.map((report) => report.data_stream)).toEqual(
      many.slice(0, 100),
    );
    const second = handOver(run);
    finishSome(second, 100);
    const third = handOver(second);
    const handedOver = (state: ClusterRunState) => JSON.stringify(state.continuedInput().continued);
    // Counts, not reports: what is handed over does not grow with the data streams finished.
    expect(handedOver(third).length).toBe(handedOver(second).length);
    expect(handedOver(third)).not.toContain('logs-app-');
    expect(third.status()).toMatchObject({
      total_data_streams: 300,
      pending: many.slice(200),
      finished: [],
      earlier_finished: {
        pages: 2,
        first_run_id: 'first-run',
        data_streams: 200,
        data_streams_unsuccessful: 2,
      },
    });
    expect(third.details()).toContain('200 of 300 data streams done');
  });

  it('ends with errors when only an earlier run had a failed data stream', () => {
    const run = new ClusterRunState(input, 0);
    finishSome(run, 1);
    const next = handOver(run);
    finishSome(next, 0);
    for (;;) {
      const started = next.startNext(3);
      if (started === undefined) break;
      next.finish(dataStreamReport(started, { outcome: DATA_STREAM_OUTCOMES.UPGRADED }, 4));
    }
    expect(next.complete(6)).toBe('completed_with_errors');
    expect(next.details()).toContain('1 more not upgraded by earlier runs');
  });

  it('writes no page for a run that finished nothing, and keeps the earlier counts', () => {
    const run = new ClusterRunState(input, 0);
    expect(run.nextPage('first-run')).toBeUndefined();
    const next = handOver(run);
    finishSome(next, 1);
    const third = handOver(next);
    expect(third.nextPage('another-id')).toBeUndefined();
    expect(third.status().earlier_finished).toMatchObject({ pages: 1, first_run_id: 'first-run' });
  });

  it('lists a report in the status until its page is written, and pages one that finished meanwhile', () => {
    const run = new ClusterRunState(input, 0);
    finishSome(run, 1);
    const first = run.nextPage('first-run');
    if (first === undefined) throw new Error('no page');
    // While the page is being written: still listed, not yet counted as earlier.
    finishSome(run, 1);
    expect(run.status().finished.map((entry) => entry.data_stream)).toEqual(['a', 'b']);
    expect(() => run.continuedInput()).toThrow('pages');
    run.pageWritten(first);
    expect(run.status()).toMatchObject({ finished: [{ data_stream: 'b' }], earlier_finished: { pages: 1 } });
    expect(run.nextPage('first-run')).toMatchObject({
      page: { data_streams: [{ data_stream: 'b' }] },
      earlier: { pages: 2, data_streams: 2, data_streams_unsuccessful: 2 },
    });
  });
});

describe('the names of the pages after a reset', () => {
  const finishOne = (run: ClusterRunState): void => finishDataStreams(run, 1);
  const writeNext = (run: ClusterRunState) => {
    const next = run.nextPage('first-run');
    if (next === undefined) throw new Error('no page');
    run.pageWritten(next);
    return next.earlier;
  };

  it('names the page numbers an abandoned run wrote, and those after, by the run that writes them again', () => {
    const run = new ClusterRunState({ ...input, dataStreams: ['a', 'b', 'c', 'd'] }, 0);
    finishOne(run);
    const one = writeNext(run);
    finishOne(run);
    // Page 2 exists (an abandoned run wrote it): this run names its pages by its own id from there on.
    run.renamePagesFrom(2, 'reset-run');
    const two = writeNext(run);
    finishOne(run);
    const three = writeNext(run);
    expect(finishedPageWorkflowId(one, 1)).toBe('ds-reindex-cluster-finished-first-run-1');
    expect(finishedPageWorkflowId(three, 1)).toBe('ds-reindex-cluster-finished-first-run-1');
    expect(finishedPageWorkflowId(two, 2)).toBe('ds-reindex-cluster-finished-reset-run-2');
    expect(finishedPageWorkflowId(three, 3)).toBe('ds-reindex-cluster-finished-reset-run-3');
    // The same run never renames twice: its own id is unique, so a second collision is a bug.
    expect(() => run.renamePagesFrom(4, 'reset-run')).toThrow('written by this run');

    // The next run is handed the names with the counts; a second reset renames from its own page on.
    const next = new ClusterRunState(run.continuedInput(), 5);
    expect(next.earlier?.renamed).toEqual([{ from_page: 2, run_id: 'reset-run' }]);
    next.renamePagesFrom(4, 'second-reset');
    finishOne(next);
    const four = writeNext(next);
    expect(finishedPageWorkflowId(four, 3)).toBe('ds-reindex-cluster-finished-reset-run-3');
    expect(finishedPageWorkflowId(four, 4)).toBe('ds-reindex-cluster-finished-second-reset-4');
  });

  it('hands over no names while no reset renamed a page', () => {
    const run = new ClusterRunState(input, 0);
    finishOne(run);
    expect(writeNext(run)).not.toHaveProperty('renamed');
  });
});

describe('the report line of a data stream', () => {
  const preparedEntry = entry({
    prepared: {
      next: 'start',
      indicesToReindex: 2,
      documentsToReindex: 100,
      bytesToReindex: 1000,
      indicesMarkedReadOnly: 0,
      indicesAlreadyReadOnly: 1,
      rolledOver: false,
      totalIndicesInDataStream: 3,
      totalIndicesRequiringUpgrade: 2,
    } satisfies PreparedDataStream,
  });

  it('says why an upgrade ended that the run did not stop, with what its status counted', () => {
    const report = dataStreamReport(
      preparedEntry,
      { watched: { end: 'cancelled', status: status({ complete: false, successes: 1, pending: 1 }) } },
      20,
    );
    expect(report).toMatchObject({
      outcome: 'cancelled',
      indices_reindexed: 1,
      documents: 100,
      exception:
        'its upgrade was cancelled from outside this cluster run; the backing indices it was upgrading were ' +
        'rolled back and keep their old version',
    });
    expect(dataStreamReport(preparedEntry, { watched: { end: 'terminated' } }, 20)).toMatchObject({
      outcome: 'failed',
      exception: expect.stringContaining('terminated from outside this cluster run') as unknown,
    });
    expect(dataStreamReport(preparedEntry, { watched: { end: 'timed_out' } }, 20).outcome).toBe('failed');
  });

  it('gives no explanation for an upgrade the run cancelled itself', () => {
    const report = dataStreamReport(
      preparedEntry,
      { watched: { end: 'cancelled' }, outcome: 'cancelled', stoppedByRun: true },
      20,
    );
    expect(report.outcome).toBe('cancelled');
    expect(report).not.toHaveProperty('exception');
  });

  it('grades a complete upgrade by its own status', () => {
    const complete = (overrides: Partial<ReindexDataStreamStatus>) =>
      dataStreamReport(preparedEntry, { watched: { end: 'complete', status: status(overrides) } }, 20)
        .outcome;
    expect(complete({})).toBe('upgraded');
    expect(complete({ successes: 1, errors: [{ index: 'x', message: 'm' }] })).toBe('upgraded_with_errors');
    expect(complete({ total_indices_requiring_upgrade: 0, successes: 0 })).toBe('up_to_date');
  });
});

describe('the holds a cluster run sends', () => {
  it('tells each upgrade it started of a change once, and never one it only watches', () => {
    const run = new ClusterRunState(input, 0);
    run.running.set('own', entry({ data_stream: 'own' }));
    run.running.set('watched', entry({ data_stream: 'watched', adopted: true }));
    run.paused = { since_millis: 1, now: false };
    expect(run.holdsToSend()).toEqual([{ dataStream: 'own', hold: 'paused' }]);
    expect(run.holdsToSend()).toEqual([]);
    run.window = { startMinute: 0, endMinute: 60, timeZone: 'UTC', open: false, next_change_millis: 5 };
    expect(run.holdsToSend()).toEqual([{ dataStream: 'own', hold: 'paused_now' }]);
    run.paused = undefined;
    run.window = { ...run.window, open: true };
    expect(run.holdsToSend()).toEqual([{ dataStream: 'own', hold: undefined }]);
    expect(run.mayStartAnother()).toBe(false);
  });
});
