import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so the Web UI and `temporal workflow list` can filter upgrades,
 * e.g. `DataStream = "logs-app" AND ReindexState = "running"`. The dev-server script and the test
 * environment register exactly this list.
 */
export const DATA_STREAM_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'DataStream',
  SearchAttributeType.KEYWORD,
);
export const REINDEX_STATE_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'ReindexState',
  SearchAttributeType.KEYWORD,
);

export const ALL_SEARCH_ATTRIBUTES = [DATA_STREAM_SEARCH_ATTRIBUTE, REINDEX_STATE_SEARCH_ATTRIBUTE] as const;
