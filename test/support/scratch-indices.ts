import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from './target';

/** Indices a suite makes for itself, named apart from every other run's and deleted after each test. */
export interface ScratchIndices {
  es(): Client;
  /** `base` with this run's suffix, deleted after the test that asks for it. */
  name(base: string): string;
  /** A new index whose only primary no node may hold (allocation required on a node that does not exist). */
  shardless(base: string): Promise<string>;
}

/**
 * Registers the suite's hooks: an Elasticsearch target for the suite, and the deletion of every index a test
 * named after that test. A primary no node holds turns the whole cluster red for the suites after.
 */
export function useScratchIndices(): ScratchIndices {
  let target: EsTarget | undefined;
  const suffix = Date.now().toString(36);
  const made: string[] = [];
  const es = (): Client => {
    if (target === undefined) throw new Error('the target starts in beforeAll');
    return target.client;
  };

  beforeAll(async () => {
    target = await createEsTarget();
  });
  afterEach(async () => {
    const index = made.splice(0).join(',');
    if (index !== '') await es().indices.delete({ index, ignore_unavailable: true });
  });
  afterAll(async () => {
    await target?.close();
  });

  const name = (base: string): string => {
    const index = `${base}-${suffix}`;
    made.push(index);
    return index;
  };
  return {
    es,
    name,
    async shardless(base) {
      const index = name(base);
      await es().indices.create({
        index,
        settings: {
          'index.number_of_replicas': 0,
          'index.routing.allocation.require._name': 'no-node-has-this-name',
        },
        wait_for_active_shards: 0,
      });
      return index;
    },
  };
}
