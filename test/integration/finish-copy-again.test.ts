import type { Client } from '@elastic/elasticsearch';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client as TemporalClient } from '@temporalio/client';
import { createEsTarget, TEST_WORKER_CONFIG, type EsTarget } from '../support';
import { createBackingIndexPhases, type PhaseInput } from '../../src/activities/backing-index-phases';
import { FAILURE_TYPES } from '../../src/activities/failures';
import { createSwapActivities } from '../../src/activities/swap-activities';
import { destinationIndexName } from '../../src/shared/names';

const DOCUMENTS = 5;

/**
 * An index's last workflow task runs its finish, swap and delete as local activities; when the server
 * refuses that task's completion (a signal came as the workflow completed), they run again from the finish.
 * Past the delete the source is gone: the finish must say what the new index holds, not fail the index.
 */
describe('the finish phase run again', () => {
  let target: EsTarget;
  let es: Client;
  const suffix = Date.now().toString(36);
  const run = <T>(step: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(step);

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  /** A data stream whose first backing index is copied into its destination, as before the finish. */
  async function copiedIndex(name: string): Promise<PhaseInput> {
    const dataStream = `finish-again-${name}-${suffix}`;
    const [sourceIndex] = (await target.seedDataStream(dataStream, [
      { docCount: DOCUMENTS },
      { docCount: 0 },
    ])) as [string];
    const destinationIndex = destinationIndexName(sourceIndex);
    const phases = createBackingIndexPhases(dependencies());
    const { facts } = await run(() => phases.readSourceBeforeStart(sourceIndex));
    const phase = { dataStream, sourceIndex, destinationIndex, facts };
    await run(() => phases.prepareCopy(phase));
    await es.reindex({
      refresh: true,
      source: { index: sourceIndex },
      dest: { index: destinationIndex, op_type: 'create' },
    });
    return phase;
  }

  function dependencies() {
    return { es, worker: TEST_WORKER_CONFIG, temporal: {} as TemporalClient };
  }

  it('past the swap and the delete, counts the new index and changes nothing', async () => {
    const phase = await copiedIndex('swapped');
    const phases = createBackingIndexPhases(dependencies());
    const swap = createSwapActivities(dependencies());
    await expect(run(() => phases.finishCopy(phase))).resolves.toBe(DOCUMENTS);
    await run(() => swap.swapBackingIndex(phase));
    await run(() => phases.retireSource(phase));

    await expect(run(() => phases.finishCopy(phase))).resolves.toBe(DOCUMENTS);
    const [dataStream] = (await es.indices.getDataStream({ name: phase.dataStream })).data_streams;
    expect(dataStream?.indices.map((index) => index.index_name)).toContain(phase.destinationIndex);
    expect(await es.indices.exists({ index: phase.sourceIndex })).toBe(false);
  });

  it('fails the index when the source is gone but nothing was swapped', async () => {
    const phase = await copiedIndex('deleted');
    const phases = createBackingIndexPhases(dependencies());
    // Someone else removed the old index from the data stream and deleted it.
    await es.indices.modifyDataStream({
      actions: [{ remove_backing_index: { data_stream: phase.dataStream, index: phase.sourceIndex } }],
    });
    await es.indices.delete({ index: phase.sourceIndex });

    const failure = await run(() => phases.finishCopy(phase)).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(FAILURE_TYPES.SOURCE_INDEX_MISSING);
  });
});
