// The workflows the worker registers, and the signals and queries clients use to talk to them.
export { reindexDataStream, REINDEX_STATES } from './reindex-data-stream';
export { reindexBackingIndex } from './reindex-backing-index';
export { reindexCluster } from './reindex-cluster';
export * from './definitions';
export * from './cluster-definitions';
export * from './pause-definitions';
