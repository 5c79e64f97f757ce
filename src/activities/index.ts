import { withClientPerExecution, type ActivityDependencies } from './dependencies';
import { createBackingIndexPhases } from './backing-index-phases';
import { createClusterActivities } from './cluster-activities';
import { createCopyDocumentsActivity } from './copy-documents-activity';
import { createDataStreamActivities } from './data-stream-activities';
import { createDestinationIndexActivities } from './destination-index-activities';
import { createDiskHeadroomActivities } from './disk-headroom-activity';
import { createPrivilegeCheckActivities } from './privilege-check';
import { createSourceIndexActivities } from './source-index-activities';
import { createStandaloneIndexActivities } from './standalone-index-activities';
import { createSwapActivities } from './swap-activities';
import { createVerifyDocumentsActivity } from './verify-documents-activity';

export type { ActivityDependencies } from './dependencies';

/**
 * Every activity of the upgrade, bound to the worker's Elasticsearch and Temporal clients. Each one is
 * a single idempotent step against Elasticsearch, safe to run twice and to resume after a crash. Their
 * Elasticsearch requests name their workflow in `X-Opaque-Id` (`withClientPerExecution`).
 */
export function createActivities(workerDeps: ActivityDependencies) {
  const deps = withClientPerExecution(workerDeps);
  return {
    ...createDataStreamActivities(deps),
    ...createSourceIndexActivities(deps),
    ...createDestinationIndexActivities(deps),
    ...createCopyDocumentsActivity(deps),
    ...createSwapActivities(deps),
    ...createVerifyDocumentsActivity(deps),
    ...createBackingIndexPhases(deps),
    ...createStandaloneIndexActivities(deps),
    ...createClusterActivities(deps),
    ...createPrivilegeCheckActivities(deps),
    ...createDiskHeadroomActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
