// The test-support module: every suite imports its helpers from here.
export { eventually, sleep } from './wait';
export {
  createEsTarget,
  describeOnSandbox,
  itOnRestartableNode,
  itOnSandbox,
  restartRealNode,
  REAL_CLUSTER_URL,
  type EsTarget,
  type TargetDocument,
} from './target';
export { allDocumentIds, backingIndexNames, duplicates } from './documents';
export { copyResults } from './history';
export { apiError } from './api-errors';
export { resetMigrateSettings, setMigrateSettings } from './settings';
export {
  createUpgradeHarness,
  TEST_WORKER_CONFIG,
  useUpgradeHarness,
  type RunningWorker,
  type UpgradeHarness,
} from './upgrade-harness';
export { bundleWorkflows, createTestEnvironment } from './temporal-env';
