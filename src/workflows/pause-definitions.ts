import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { UpgradePause } from '../shared/status';

/** A pause: `now` also stops the copies in flight (they resume later without copying anything twice). */
export interface PauseRequest {
  now: boolean;
}

/** Paused since when, and whether copies in flight were stopped too. */
export type PauseState = UpgradePause;

/**
 * Pauses a data stream's upgrade (`reindex-data-stream-<name>`): no new backing index starts; with `now`,
 * the copies in flight stop too. Idempotent; a second pause with `now` upgrades a plain pause.
 */
export const pauseUpgradeSignal = defineSignal<[PauseRequest]>('pauseUpgrade');
/** Resumes a paused data-stream upgrade; stopped copies continue where they were. */
export const resumeUpgradeSignal = defineSignal('resumeUpgrade');
/** Whether a data-stream upgrade is paused, and since when; `null` when it is not. */
export const upgradePauseQuery = defineQuery<PauseState | null>('upgradePause');

/** Pauses the cluster run: no new data stream starts, and every upgrade it started is paused the same way. */
export const pauseClusterSignal = defineSignal<[PauseRequest]>('pauseCluster');
/** Resumes the cluster run and every upgrade it paused. */
export const resumeClusterSignal = defineSignal('resumeCluster');

/** Sent by a data-stream upgrade to its backing-index children: stop the copy in flight, keep what it copied. */
export const pauseCopySignal = defineSignal('pauseCopy');
/** Continue a stopped copy; the new reindex task skips the documents already copied. */
export const resumeCopySignal = defineSignal('resumeCopy');
