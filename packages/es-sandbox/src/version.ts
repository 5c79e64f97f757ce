/**
 * Identity of the sandbox as a cluster. The index version id is the latest 8.x id in Elasticsearch's
 * IndexVersions.java (SEMANTIC_TEXT_DEFAULTS_TO_BBQ_BACKPORT_8_X = 8_531_0_00); only its major
 * (floor(id / 1_000_000) = 8) matters to callers deciding whether an index needs upgrading.
 */
export const SANDBOX_IDENTITY = {
  DEFAULT_VERSION: '8.19.0',
  INDEX_VERSION_CURRENT: 8_531_000,
  /** What seeded indices claim by default: 7.17.0, an index created by the previous major. */
  INDEX_VERSION_7_17: 7_170_099,
  LUCENE_VERSION: '9.12.1',
  MINIMUM_WIRE_COMPATIBILITY: '7.17.0',
  MINIMUM_INDEX_COMPATIBILITY: '7.0.0',
  BUILD_HASH: 'sandbox',
  BUILD_DATE: '2025-07-17T00:00:00.000Z',
  CLUSTER_NAME: 'sandbox',
  NODE_NAME: 'sandbox-node-0',
  /** ES node ids are 22-character base64url strings; a fixed one keeps task ids stable across restarts. */
  NODE_ID: 'SandboxNode0aaaaaaaaaa',
  CLUSTER_UUID: 'SandboxCluster0aaaaaaa',
} as const;
