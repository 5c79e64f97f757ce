import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so the Web UI and `temporal workflow list` can filter upgrades,
 * e.g. `DataStream = "logs-app" AND ReindexState = "running"`, or `ReindexState = "failed"` for every
 * failed upgrade and backing index of the cluster. The data-stream workflow and each backing index's
 * workflow carry `DataStream` and `ReindexState`; the backing index's also `BackingIndex`. The worker
 * registers exactly this list on start, as do the dev-server script and the test environment.
 */
export const DATA_STREAM_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'DataStream',
  SearchAttributeType.KEYWORD,
);
export const REINDEX_STATE_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'ReindexState',
  SearchAttributeType.KEYWORD,
);

/** The source backing index a `reindexBackingIndex` workflow upgrades. */
export const BACKING_INDEX_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'BackingIndex',
  SearchAttributeType.KEYWORD,
);

/** The index a `reindexStandaloneIndex` workflow upgrades (an index outside every data stream). */
export const STANDALONE_INDEX_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'StandaloneIndex',
  SearchAttributeType.KEYWORD,
);

export const ALL_SEARCH_ATTRIBUTES = [
  DATA_STREAM_SEARCH_ATTRIBUTE,
  REINDEX_STATE_SEARCH_ATTRIBUTE,
  BACKING_INDEX_SEARCH_ATTRIBUTE,
  STANDALONE_INDEX_SEARCH_ATTRIBUTE,
] as const;
