import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows, installQuietRuntime } from '../helpers/temporal-env';
import { HISTORY_SETS, readHistorySet, type HistorySetName } from './histories';

// Replays every committed history against today's workflow code, with no server: a change that alters
// the command sequence of a running workflow fails here, naming the history, before a deploy does.
describe.each(Object.keys(HISTORY_SETS) as HistorySetName[])('replay of %s histories', (set) => {
  const histories = readHistorySet(set);

  beforeAll(() => installQuietRuntime());

  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories.map((h) => [h.file, h.recorded] as const))(
    '%s replays deterministically',
    async (_file, recorded) => {
      const workflowBundle = await bundleWorkflows(HISTORY_SETS[set]);
      await Worker.runReplayHistory(
        { workflowBundle },
        historyFromJSON(recorded.history),
        recorded.workflowId,
      );
    },
  );
});
