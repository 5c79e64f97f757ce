import { elasticsearchSteps as es } from './activity-stubs';
import type { PrivilegeCheck, PrivilegeTargets } from '../shared/privileges';

/**
 * Asks, with the worker's own credentials (which never leave the worker), what they lack for an upgrade
 * of `targets`. `plan` and `start` run it on the worker's task queue and refuse before anything changes;
 * it changes nothing itself.
 */
export async function workerPrivilegeCheck(targets: PrivilegeTargets): Promise<PrivilegeCheck> {
  return es.checkWorkerPrivileges(targets);
}
