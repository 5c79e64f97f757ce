// The workflows the worker registers, and the signals and queries clients use to talk to them.
export { reindexDataStream } from './reindex-data-stream';
export { REINDEX_STATES } from './data-stream-state';
export { reindexBackingIndex } from './reindex-backing-index';
export { reindexCluster } from './reindex-cluster';
export { clusterFinishedPage } from './finished-pages';
export { reindexStandaloneIndex } from './reindex-standalone-index';
export { workerPrivilegeCheck } from './worker-privilege-check';
export * from './definitions';
export * from './cluster-definitions';
export * from './pause-definitions';
export * from './standalone-definitions';
export {
  finishedPageQuery,
  finishedPageWorkflowId,
  type EarlierFinished,
  type FinishedPage,
} from './finished-pages';
