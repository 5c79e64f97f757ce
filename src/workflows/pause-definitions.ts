import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UpgradePause } from '../shared/status';

/** A pause: `now` also stops the copies in flight (they resume later without copying anything twice). */
export interface PauseRequest {
  now: boolean;
}

/** Paused since when, and whether copies in flight were stopped too. */
export type PauseState = UpgradePause;

/**
 * What a pause or resume answers once the workflow has applied it: the pause as it now is. This is what
 * the API and the CLI return, so a caller sees the state it asked for, never just that it was asked.
 */
export type PauseAnswer =
  | { acknowledged: true; paused: true; now: boolean; since_millis: number }
  | { acknowledged: true; paused: false };

/** The answer for a pause state (`undefined` or `null`: not paused). */
export function pauseAnswerOf(state: PauseState | null | undefined): PauseAnswer {
  if (state === null || state === undefined) return { acknowledged: true, paused: false };
  return { acknowledged: true, paused: true, now: state.now, since_millis: state.since_millis };
}

/**
 * Pauses a data stream's upgrade (`reindex-data-stream-<name>`): no new backing index starts; with `now`,
 * the copies in flight stop too. Validated by the workflow (refused once the upgrade has ended or failed),
 * answered once applied. A second pause keeps the first one's time; with `now` it upgrades a plain pause.
 */
export const pauseUpgradeUpdate = defineUpdate<PauseAnswer, [PauseRequest]>('pause');
/** Resumes a paused data-stream upgrade (refused when it is not paused); stopped copies continue. */
export const resumeUpgradeUpdate = defineUpdate<PauseAnswer>('resume');

/**
 * The same pause and resume as signals: how a cluster run holds the upgrades it started (a workflow cannot
 * send an update), and the service's fallback for a run whose worker predates the updates. Idempotent.
 */
export const pauseUpgradeSignal = defineSignal<[PauseRequest]>('pauseUpgrade');
/** Resumes a paused data-stream upgrade; stopped copies continue where they were. */
export const resumeUpgradeSignal = defineSignal('resumeUpgrade');
/** Whether a data-stream upgrade is paused, and since when; `null` when it is not. */
export const upgradePauseQuery = defineQuery<PauseState | null>('upgradePause');

/**
 * Pauses the cluster run: no new data stream starts, and every upgrade it started is paused the same way.
 * Refused once the run is ending (cancelling) or has ended.
 */
export const pauseClusterUpdate = defineUpdate<PauseAnswer, [PauseRequest]>('pauseRun');
/** Resumes the cluster run and every upgrade it paused; refused when the run is not paused. */
export const resumeClusterUpdate = defineUpdate<PauseAnswer>('resumeRun');

/** The cluster run's pause and resume as signals: the service's fallback for a run that predates the updates. */
export const pauseClusterSignal = defineSignal<[PauseRequest]>('pauseCluster');
/** Resumes the cluster run and every upgrade it paused. */
export const resumeClusterSignal = defineSignal('resumeCluster');

/** Sent by a data-stream upgrade to its backing-index children: stop the copy in flight, keep what it copied. */
export const pauseCopySignal = defineSignal('pauseCopy');
/** Continue a stopped copy; the new reindex task skips the documents already copied. */
export const resumeCopySignal = defineSignal('resumeCopy');
