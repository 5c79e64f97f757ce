import { eventually, useUpgradeHarness } from '../support';
import { dataStreamWorkflowId } from '../../src/shared/names';

/**
 * The worker's index-count metrics read every upgrade's status every few seconds (`statuses()`), for 24
 * hours after each has finished. A finished run's status never changes, so it is read once; later reads
 * need only the visibility listing, which also shows a cancel's dismissal record or a new start that ends
 * the finished run's status.
 */
describe('the status reads behind the index-count metrics', () => {
  const h = useUpgradeHarness('status-reads');

  it("fetches a finished run's status once, and drops it once dismissed or replaced", async () => {
    const ds = 'status-reads-ds';
    await h().seed(ds, [{ docCount: 20 }, { docCount: 20 }]);
    await h().service.start(h().es, ds);
    const first = await h().completion(ds);
    const run = h().env.client.workflow.getHandle(dataStreamWorkflowId(ds));
    const closed = () =>
      eventually(
        async () => ((await run.describe()).status.name === 'COMPLETED' ? true : undefined),
        'the latest run to close',
      );
    await closed();

    const { workflowService } = h().env.client;
    const historyReads = jest.spyOn(workflowService, 'getWorkflowExecutionHistory');
    const describes = jest.spyOn(workflowService, 'describeWorkflowExecution');
    try {
      expect((await h().service.statuses()).get(ds)).toEqual(first);
      expect(historyReads).toHaveBeenCalled();
      expect(describes).toHaveBeenCalled();
      historyReads.mockClear();
      describes.mockClear();
      expect((await h().service.statuses()).get(ds)).toEqual(first);
      expect((await h().service.statuses()).get(ds)).toEqual(first);
      expect(historyReads).not.toHaveBeenCalled();
      expect(describes).not.toHaveBeenCalled();
    } finally {
      historyReads.mockRestore();
      describes.mockRestore();
    }

    // A cancel of a finished upgrade dismisses its status: gone from the metrics' read at once.
    await h().service.cancel(ds);
    expect((await h().service.statuses()).has(ds)).toBe(false);

    // A new start replaces the run: the read shows the new one (nothing left to upgrade), not the first.
    await h().service.start(h().es, ds);
    const second = await h().completion(ds);
    expect(second).toMatchObject({ complete: true, total_indices_requiring_upgrade: 0, successes: 0 });
    await closed();
    expect((await h().service.statuses()).get(ds)).toEqual(second);
    expect(second.start_time_millis).toBeGreaterThan(first.start_time_millis);
  });
});
