import { eventually, expectSuccessesOnCluster, itOnSandbox, useUpgradeHarness } from '../support';
import { destinationIndexName, MISSING_TIMESTAMP_PIPELINE } from '../../src/shared/names';

// The copy's pipeline is put once per worker process (issue 15): an upgrade must still work when someone
// deletes it between two upgrades, and it must not be put again for every index.
describe('the missing-timestamp pipeline, put once per worker', () => {
  const h = useUpgradeHarness('copy-pipeline');

  async function upgrade(dataStream: string, docsWithoutTimestamp: number): Promise<string[]> {
    const sources = await h().seed(dataStream, [{ docCount: 40, docsWithoutTimestamp }, { docCount: 10 }]);
    await h().service.start(h().es, dataStream);
    const status = await h().completion(dataStream);
    expect(status).toMatchObject({ complete: true, successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, dataStream, status);
    return sources;
  }

  /** Documents of the upgraded copy of `source` whose `@timestamp` the pipeline set to 0. */
  async function stampedByPipeline(source: string): Promise<number> {
    const index = destinationIndexName(source);
    await h().es.indices.refresh({ index });
    const found = await h().es.count({ index, query: { term: { '@timestamp': 0 } } });
    return found.count;
  }

  it('puts the pipeline back when it was deleted behind the worker, and the upgrade completes', async () => {
    await upgrade('pipeline-first', 0);
    await h().es.ingest.deletePipeline({ id: MISSING_TIMESTAMP_PIPELINE });

    const sources = await upgrade('pipeline-deleted', 5);

    expect(await stampedByPipeline(sources[0] ?? '')).toBe(5);
    const pipeline = await eventually(
      async () =>
        (await h().es.ingest.getPipeline({ id: MISSING_TIMESTAMP_PIPELINE }))[MISSING_TIMESTAMP_PIPELINE],
      'the pipeline to exist again',
    );
    expect(pipeline.processors).toEqual([{ set: { field: '@timestamp', value: 0, override: false } }]);
  });

  itOnSandbox('does not put the pipeline again for every index', 'requestCounts', async () => {
    await upgrade('pipeline-warm', 0);
    h().controls().resetCounters();

    await upgrade('pipeline-cached', 3);

    const counts = h().controls().requestCounts();
    const puts = Object.entries(counts)
      .filter(([route]) => route.startsWith('PUT /_ingest/pipeline'))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(puts).toBe(0);
  });
});
