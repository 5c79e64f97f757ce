import {
  CancelledFailure,
  ChildWorkflowFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
  ApplicationFailure,
} from '@temporalio/common';
import { DataStreamUpgradeState, REINDEX_STATES } from '../../src/workflows/data-stream-state';
import { indexEndOf } from '../../src/workflows/index-end';

const plan = (indices: string[]) => ({
  totalIndicesInDataStream: indices.length + 1,
  writeIndex: 'w',
  writeIndexNeedsUpgrade: false,
  indicesToUpgrade: indices,
});

/** A planned upgrade of `a`, `b`, `c`, at most `concurrency` at once. */
function planned(concurrency = 1): DataStreamUpgradeState {
  const state = new DataStreamUpgradeState({ dataStream: 'ds' }, 1_000);
  state.planned(plan(['a', 'b', 'c']));
  state.maxConcurrentIndices = concurrency;
  return state;
}

describe('the state of a data stream upgrade', () => {
  it('shows the next index held for disk, since its first hold, until it starts', () => {
    const state = planned();
    expect(state.nextPending).toBe('a');
    state.holdForDisk('a', 'disk: node-1 would cross the high watermark', 5_000);
    state.holdForDisk('a', 'disk: still', 9_000);
    expect(state.status()).toMatchObject({
      pending: 3,
      in_progress: [],
      waiting_for_disk: { index: 'a', reason: 'disk: still', since_millis: 5_000 },
    });
    expect(state.details('ds')).toContain('`a` waits for disk since');
    expect(state.startNext()).toBe('a');
    expect(state.status().waiting_for_disk).toBeUndefined();
    state.holdForDisk('b', 'disk', 10_000);
    state.releaseDiskHold();
    expect(state.status().waiting_for_disk).toBeUndefined();
  });

  it('counts an index as a success only once it has left every other list', () => {
    const state = planned();
    expect(state.status()).toMatchObject({ successes: 0, pending: 3, in_progress: [] });
    expect(state.startNext()).toBe('a');
    expect(state.status()).toMatchObject({ successes: 0, pending: 2, in_progress: [{ index: 'a' }] });
    state.indexEnded('a', { kind: 'upgraded' });
    state.startNext();
    state.indexEnded('b', { kind: 'failed', message: 'disk full' });
    expect(state.status()).toMatchObject({
      successes: 1,
      pending: 1,
      errors: [{ index: 'b', message: 'disk full' }],
    });
    expect(state.endedCount).toBe(2);
  });

  it('puts an index rolled back by a cancel of the upgrade back to pending, first in line', () => {
    const state = planned();
    state.startNext();
    state.indexEnded('a', { kind: 'rolled-back' });
    expect(state.status()).toMatchObject({ successes: 0, pending: 3, errors: [] });
    expect(state.continuedRun().pendingIndices).toEqual(['a', 'b', 'c']);
  });

  it('starts no index while paused, failed, or with every copy permit and the look-ahead taken', () => {
    const state = planned(2);
    state.startNext();
    state.startNext();
    // One more starts to prepare while the two copy.
    expect(state.mayStartIndex()).toBe(true);
    state.planned(plan(['d']));
    state.startNext();
    expect(state.mayStartIndex()).toBe(false);
    state.indexEnded('a', { kind: 'upgraded' });
    state.indexEnded('b', { kind: 'upgraded' });
    expect(state.pause(false, 5)).toBe(false);
    expect(state.mayStartIndex()).toBe(false);
    // The prepared index does not start its copy while paused either.
    expect(state.mayGrantCopyPermit()).toBe(false);
    expect(state.heldByPause()).toBe(true);
    expect(state.pause(true, 9)).toBe(true);
    expect(state.paused).toEqual({ since_millis: 5, now: true });
    expect(state.resume()).toBe(true);
    expect(state.grantCopyPermits()).toEqual(['c']);
    expect(state.mayStartIndex()).toBe(true);
    state.exception = 'rollover refused';
    expect(state.mayStartIndex()).toBe(false);
    expect(state.handsOver).toBe(false);
  });

  it('hands out copy permits in start order, with one index prepared ahead and finished ones behind', () => {
    const state = new DataStreamUpgradeState({ dataStream: 'ds' }, 1_000);
    state.planned(plan(['a', 'b', 'c', 'd', 'e']));
    state.maxConcurrentIndices = 1;
    expect([state.startNext(), state.startNext()]).toEqual(['a', 'b']);
    expect(state.holdsCopyPermit('a')).toBe(true);
    expect(state.holdsCopyPermit('b')).toBe(false);
    // One more may start before its turn to prepare (the next test); this one is not started.
    expect(state.mayStartIndex()).toBe(true);
    expect(state.status()).toMatchObject({ successes: 0, pending: 4, in_progress: [{ index: 'a' }] });

    // Copied: `a` finishes, counted pending as Elasticsearch would, and `b` may copy.
    expect(state.copyEnded('a')).toBe(true);
    expect(state.copyEnded('a')).toBe(false);
    expect(state.status()).toMatchObject({ successes: 0, pending: 5, in_progress: [] });
    expect(state.grantCopyPermits()).toEqual(['b']);
    expect(state.grantCopyPermits()).toEqual([]);
    expect(state.mayStartIndex()).toBe(true);
    expect(state.startNext()).toBe('c');
    expect(state.details('ds')).toMatch(/finishing `a`[\s\S]*copying `b`[\s\S]*prepared `c`/);

    // Two finishing and one copying: no more index workflows until one of them ends.
    state.copyEnded('b');
    expect(state.grantCopyPermits()).toEqual(['c']);
    expect(state.indicesInFlight).toEqual(['a', 'b', 'c']);
    expect(state.mayStartIndex()).toBe(false);
    state.indexEnded('a', { kind: 'upgraded' });
    expect(state.mayStartIndex()).toBe(true);
    expect(state.startNext()).toBe('d');
    expect(state.status()).toMatchObject({ successes: 1, pending: 3, in_progress: [{ index: 'c' }] });

    // At concurrency 1 the prepared index may follow the copy before it, and may report its copy's end
    // before its permit reached it.
    expect(state.copyToFollow('d')).toBe('c');
    expect(state.copyToFollow('c')).toBeUndefined();

    // A wider setting lets the prepared index copy beside the running one.
    state.setMaxConcurrentIndices(2);
    expect(state.copyToFollow('d')).toBeUndefined();
    expect(state.grantCopyPermits()).toEqual(['d']);
    expect(state.status().in_progress.map((entry) => entry.index)).toEqual(['c', 'd']);
    // A failed copy frees its permit too.
    state.indexEnded('c', { kind: 'failed', message: 'x' });
    expect(state.holdsCopyPermit('c')).toBe(false);
    expect(state.status()).toMatchObject({ successes: 1, pending: 2, errors: [{ index: 'c' }] });
  });

  it('at concurrency 1, starts one more index before its turn to prepare, and tells it once the copy ahead has ended', () => {
    const state = new DataStreamUpgradeState({ dataStream: 'ds' }, 1_000);
    state.planned(plan(['a', 'b', 'c', 'd', 'e']));
    state.maxConcurrentIndices = 1;
    expect([state.startNext(), state.startNext()]).toEqual(['a', 'b']);
    expect(state.holdPreparation('b')).toBeUndefined();
    expect(state.startNext()).toBe('c');
    expect(state.mayStartIndex()).toBe(false);
    // `c` follows `b`'s copy, and blocks writes only once `a`'s copy has ended.
    expect(state.copyToFollow('b')).toBe('a');
    expect(state.copyToFollow('c')).toBe('b');
    expect(state.holdPreparation('c')).toBe('a');
    expect(state.preparationHeld('c')).toBe(true);
    expect(state.mayAllowPreparation()).toBe(false);
    expect(state.status()).toMatchObject({ successes: 0, pending: 4, in_progress: [{ index: 'a' }] });
    expect(state.details('ds')).toMatch(/copying `a`[\s\S]*prepared `b`[\s\S]*started `c`: prepares/);

    // `a`'s copy ends: `b` may copy, and `c` may prepare.
    state.copyEnded('a');
    expect(state.mayAllowPreparation()).toBe(true);
    expect(state.grantCopyPermits()).toEqual(['b']);
    expect(state.preparationsDue()).toEqual(['c']);
    expect(state.preparationsDue()).toEqual([]);
    expect(state.preparationHeld('c')).toBe(false);
    expect(state.mayStartIndex()).toBe(true);
    expect(state.startNext()).toBe('d');
    expect(state.holdPreparation('d')).toBe('b');

    // Paused, a held index is not told its turn; resumed, it is. One that ended is forgotten.
    state.pause(false, 5);
    state.copyEnded('b');
    expect(state.preparationsDue()).toEqual([]);
    state.resume();
    expect(state.preparationsDue()).toEqual(['d']);
    state.grantCopyPermits();
    state.indexEnded('a', { kind: 'upgraded' });
    expect(state.startNext()).toBe('e');
    expect(state.holdPreparation('e')).toBe('c');
    state.indexEnded('e', { kind: 'rolled-back' });
    expect(state.preparationHeld('e')).toBe(false);
  });

  it('starts no index before its turn to prepare at a higher concurrency or verifying beyond counts', () => {
    const wide = new DataStreamUpgradeState({ dataStream: 'ds' }, 1_000);
    wide.planned(plan(['a', 'b', 'c', 'd']));
    wide.maxConcurrentIndices = 2;
    expect([wide.startNext(), wide.startNext(), wide.startNext()]).toEqual(['a', 'b', 'c']);
    expect(wide.mayStartIndex()).toBe(false);
    const verifying = new DataStreamUpgradeState({ dataStream: 'ds', verify: 'ids' }, 1_000);
    verifying.planned(plan(['a', 'b', 'c']));
    verifying.maxConcurrentIndices = 1;
    expect([verifying.startNext(), verifying.startNext()]).toEqual(['a', 'b']);
    expect(verifying.mayStartIndex()).toBe(false);
  });

  it('lists a finishing index held by a wait for its replicas in progress, with the wait, until it is over', () => {
    const state = planned(1);
    state.startNext();
    state.startNext();
    state.copyEnded('a');
    state.grantCopyPermits();
    const waiting = { reason: 'the new index is not yet green, as the old one was', since_millis: 7 };
    expect(state.progress({ index: 'a', totalDocCount: 5, reindexedDocCount: 5, waiting })).toBe(true);
    expect(state.status()).toMatchObject({
      successes: 0,
      pending: 1,
      in_progress: [{ index: 'b' }, { index: 'a', total_doc_count: 5, waiting }],
    });
    expect(state.details('ds')).toContain('finishing `a`: the new index is not yet green');
    expect(state.progress({ index: 'a', totalDocCount: 5, reindexedDocCount: 5 })).toBe(true);
    expect(state.status()).toMatchObject({ pending: 2, in_progress: [{ index: 'b' }] });
    state.progress({ index: 'a', totalDocCount: 5, reindexedDocCount: 5, waiting });
    state.indexEnded('a', { kind: 'upgraded' });
    expect(state.status()).toMatchObject({ successes: 1, pending: 1, in_progress: [{ index: 'b' }] });
  });

  it('counts a copy that followed the one before it without its permit as ended, and frees nothing twice', () => {
    const state = planned(1);
    state.startNext();
    state.startNext();
    expect(state.copyToFollow('b')).toBe('a');
    // `b` followed `a` in Elasticsearch and reported its end before `a`'s report arrived.
    expect(state.copyEnded('b')).toBe(true);
    expect(state.copyEnded('a')).toBe(true);
    expect(state.grantCopyPermits()).toEqual([]);
    expect(state.status()).toMatchObject({ in_progress: [], pending: 3 });
    expect(state.mayStartIndex()).toBe(true);
  });

  it('takes a concurrency read at an index start only when it changed since the last read', () => {
    const state = planned();
    state.concurrencyRead(3);
    expect(state.maxConcurrentIndices).toBe(3);
    // A change through the API since; the next start reads the same cluster value: no undo.
    state.setMaxConcurrentIndices(5);
    state.concurrencyRead(3);
    expect(state.maxConcurrentIndices).toBe(5);
    state.setMaxConcurrentIndices(0);
    expect(state.maxConcurrentIndices).toBe(5);
  });

  it('finishes completed, completed with errors, or failed, and drops a pause that held nothing', () => {
    const state = planned();
    state.pause(false, 1);
    expect(state.finish()).toBe(REINDEX_STATES.COMPLETED);
    expect(state.status()).toMatchObject({ complete: true });
    expect(state.status()).not.toHaveProperty('paused');
    const withError = planned();
    withError.startNext();
    withError.indexEnded('a', { kind: 'failed', message: 'x' });
    expect(withError.finish()).toBe(REINDEX_STATES.COMPLETED_WITH_ERRORS);
    const failed = planned();
    failed.exception = 'no such index';
    expect(failed.finish()).toBe(REINDEX_STATES.FAILED);
  });

  it('ignores progress for an index no longer in flight', () => {
    const state = planned();
    state.startNext();
    expect(state.progress({ index: 'a', totalDocCount: 10, reindexedDocCount: 4 })).toBe(true);
    expect(state.status().in_progress).toEqual([{ index: 'a', total_doc_count: 10, reindexed_doc_count: 4 }]);
    state.indexEnded('a', { kind: 'upgraded' });
    expect(state.progress({ index: 'a', totalDocCount: 10, reindexedDocCount: 10 })).toBe(false);
  });
});

describe('how an index workflow that returned no result is counted', () => {
  const child = (cause: Error) =>
    new ChildWorkflowFailure(
      'default',
      { workflowId: 'reindex-data-stream-ds/idx', runId: 'r' },
      'reindexBackingIndex',
      RetryState.NON_RETRYABLE_FAILURE,
      cause,
    );

  it('is pending again when the whole upgrade was cancelled, an error when only the index was', () => {
    const cancelled = child(new CancelledFailure('cancelled'));
    expect(indexEndOf(cancelled, 'idx', true)).toEqual({ kind: 'rolled-back' });
    expect(indexEndOf(cancelled, 'idx', false)).toEqual({
      kind: 'failed',
      message:
        'the workflow of [idx] was cancelled from outside this upgrade; the index was rolled back and keeps ' +
        'its old version',
    });
  });

  it('is an error saying what may be left when the index workflow was terminated or timed out', () => {
    const left =
      '[idx] may still be write-blocked and a partial copy [migrated-idx] may be left behind; check both ' +
      'before starting the upgrade again';
    // Even while the upgrade is being cancelled: nothing rolled it back.
    expect(indexEndOf(child(new TerminatedFailure('Terminated')), 'idx', true)).toEqual({
      kind: 'failed',
      message: `the workflow of [idx] was terminated from outside this upgrade, so it could not roll back: ${left}`,
    });
    expect(
      indexEndOf(child(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE)), 'idx', false),
    ).toEqual({
      kind: 'failed',
      message: `the workflow of [idx] timed out, so it could not roll back: ${left}`,
    });
  });

  it("is an error with the root cause's message when the index failed", () => {
    const failed = child(ApplicationFailure.nonRetryable('disk full', 'CopyFailed'));
    expect(indexEndOf(failed, 'idx', true)).toEqual({ kind: 'failed', message: 'disk full' });
  });
});
