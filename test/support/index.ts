// The test-support module: every suite imports its helpers from here.
export { abandonWait, eventually, sleep, WaitAbandoned } from './wait';
export {
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  createEsTarget,
  describeOnSandbox,
  itOnRestartableNode,
  itOnSandbox,
  restartRealNode,
  REAL_CLUSTER_URL,
  type EsTarget,
  type TargetDocument,
} from './target';
export { withTasksIndexFrom717 } from './cluster-seed';
export { useScratchIndices, type ScratchIndices } from './scratch-indices';
export { allDocumentIds, backingIndexNames, duplicates } from './documents';
export {
  backingIndexVersions,
  blockingOnCluster,
  expectSuccessesOnCluster,
  onCurrentVersion,
  successesMismatch,
  type BackingIndexVersions,
  type IndexVersion,
} from './versions';
export { copyResults, copyTaskIds } from './history';
export { mostOverlapping, type Interval } from './intervals';
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
export {
  createApiKey,
  createUserWithRole,
  describeOnSecuredCluster,
  killNode,
  ON_SECURED_CLUSTER,
  restartNode,
  type RoleSpec,
  type TestUser,
} from './secured-cluster';
export { CLI_EXECUTABLE, runCliOn, runCliProcess, type CliRun } from './cli-process';
export { exited, startWorkerProcess } from './worker-process';
export { preparedCopy } from './prepared-copy';
