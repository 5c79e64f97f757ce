import type { WorkflowExecutionInfo } from '@temporalio/client';
import { eventually, itOnSandbox, useUpgradeHarness } from '../support';
import {
  BACKING_INDEX_SEARCH_ATTRIBUTE,
  DATA_STREAM_SEARCH_ATTRIBUTE,
  REINDEX_STATE_SEARCH_ATTRIBUTE,
} from '../../src/shared/search-attributes';

/** A workflow as the Web UI lists it: its type and the project's search attributes. */
interface Listed {
  type: string;
  dataStream?: string;
  backingIndex?: string;
  state?: string;
}

function listed(execution: WorkflowExecutionInfo): Listed {
  const attributes = execution.typedSearchAttributes;
  return {
    type: execution.type,
    dataStream: attributes.get(DATA_STREAM_SEARCH_ATTRIBUTE),
    backingIndex: attributes.get(BACKING_INDEX_SEARCH_ATTRIBUTE),
    state: attributes.get(REINDEX_STATE_SEARCH_ATTRIBUTE),
  };
}

const byIndex = (a: Listed, b: Listed): number => (a.backingIndex ?? '').localeCompare(b.backingIndex ?? '');

// What an operator finds in the Temporal Web UI (the same visibility queries): every backing index's
// workflow under its data stream, and every failed index across the cluster. Real dev server.
describe('the search attributes of backing-index workflows', () => {
  const h = useUpgradeHarness('backing-index-search');

  const list = async (query: string): Promise<Listed[]> => {
    const found: Listed[] = [];
    for await (const execution of h().env.client.workflow.list({ query })) found.push(listed(execution));
    return found;
  };

  itOnSandbox(
    'lists every backing index under DataStream, and the failed one under ReindexState="failed"',
    'failReindexAfter',
    async () => {
      const ds = 'search-attributes-ds';
      const indices = await h().seed(ds, [{ docCount: 2000 }, { docCount: 100 }, { docCount: 10 }]);
      const failing = indices[0];
      h().controls().failReindexAfter({ sourceIndex: failing, docs: 500, reason: 'disk full' });
      await h().service.start(h().es, ds);
      const final = await h().completion(ds);
      expect(final.errors.map((entry) => entry.index)).toEqual([failing]);

      // Visibility is eventually consistent: wait until it shows the end of every workflow.
      const failed = await eventually(async () => {
        const found = await list('ReindexState="failed"');
        return found.length > 0 ? found : undefined;
      }, 'the failed index in visibility');
      expect(failed).toEqual([
        { type: 'reindexBackingIndex', dataStream: ds, backingIndex: failing, state: 'failed' },
      ]);

      const children = indices.filter((index) => index !== failing);
      const expected: Listed[] = [
        {
          type: 'reindexDataStream',
          dataStream: ds,
          backingIndex: undefined,
          state: 'completed_with_errors',
        },
        ...[
          { type: 'reindexBackingIndex', dataStream: ds, backingIndex: failing, state: 'failed' },
          ...children.map((index) => ({
            type: 'reindexBackingIndex',
            dataStream: ds,
            backingIndex: index,
            state: 'completed',
          })),
        ].sort(byIndex),
      ];
      const all = await eventually(async () => {
        const found = await list(`DataStream="${ds}"`);
        const sorted = [
          ...found.filter((entry) => entry.type === 'reindexDataStream'),
          ...found.filter((entry) => entry.type === 'reindexBackingIndex').sort(byIndex),
        ];
        return JSON.stringify(sorted) === JSON.stringify(expected) ? sorted : undefined;
      }, `the data stream and its ${indices.length} backing-index workflows in visibility`);
      expect(all).toEqual(expected);
      expect(await list(`BackingIndex="${failing}"`)).toHaveLength(1);
    },
  );
});
