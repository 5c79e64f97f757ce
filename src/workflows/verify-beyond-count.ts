import { verifySteps } from './activity-stubs';
import type { VerifyMode } from '../shared/verify-mode';

/**
 * `ids` or `content` verification, when asked for: its own heartbeated activity, not a step of the finish
 * phase, since it reads both indices whole; and before the finish, which may close the new index and adds
 * its replicas. Nothing for `count` (the finish compares the counts), so a default upgrade's commands are
 * as they always were.
 */
export async function verifyBeyondCount(
  verify: VerifyMode | undefined,
  indices: { sourceIndex: string; destinationIndex: string },
  step: (name: string) => void,
): Promise<void> {
  if (verify === undefined || verify === 'count') return;
  step(`verifying ${verify === 'ids' ? 'document ids' : 'document contents'}`);
  await verifySteps.verifyDocuments({ ...indices, mode: verify });
}
