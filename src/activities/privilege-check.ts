import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@elastic/elasticsearch';
import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import { describeCredentials, missingWorkerPrivileges } from '../elasticsearch/upgrade-privileges';
import { describeMissingPrivileges, type PrivilegeCheck, type PrivilegeTargets } from '../shared/privileges';

async function checkPrivileges(es: Client, targets: PrivilegeTargets): Promise<PrivilegeCheck> {
  const missing = await missingWorkerPrivileges(es, targets);
  if (missing.length === 0) return { missing, message: '' };
  return { missing, message: describeMissingPrivileges(await describeCredentials(es), missing) };
}

/**
 * Fails for good, before anything changes, when the worker's credentials lack a privilege the upgrade
 * of `targets` needs: a half-done upgrade is never how an operator learns of a missing privilege.
 */
export async function requireWorkerPrivileges(es: Client, targets: PrivilegeTargets): Promise<void> {
  const check = await checkPrivileges(es, targets);
  if (check.missing.length > 0) {
    throw ApplicationFailure.nonRetryable(check.message, FAILURE_TYPES.MISSING_PRIVILEGES);
  }
}

export function createPrivilegeCheckActivities({ es }: ActivityDependencies) {
  return {
    /** What the worker's credentials lack for `targets`; asked by `plan` and `start` before they act. */
    async checkWorkerPrivileges(targets: PrivilegeTargets): Promise<PrivilegeCheck> {
      return elasticsearchStep(() => checkPrivileges(es, targets));
    },
  };
}
