import type { Client } from '@elastic/elasticsearch';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client as TemporalClient } from '@temporalio/client';
import { createEsTarget, type EsTarget } from '../support';
import { TEST_WORKER_CONFIG } from '../support/upgrade-harness';
import { DocumentDigest } from '../../src/activities/document-digest';
import { createVerifyDocumentsActivity } from '../../src/activities/verify-documents-activity';
import type { VerifyDocumentsInput } from '../../src/activities/verify-scans';

const COUNT = 1_200;
const BATCH = 500;

async function seed(es: Client, index: string): Promise<void> {
  await es.indices.create({ index, settings: { number_of_replicas: 0 } });
  const operations: object[] = [];
  for (let n = 0; n < COUNT; n += 1) {
    operations.push({ index: { _index: index, _id: `doc-${n}` } }, { '@timestamp': n, n, message: `m${n}` });
  }
  const response = await es.bulk({ operations, refresh: true });
  expect(response.errors).toBe(false);
}

/**
 * The verification activity alone, on either target, as a retried attempt sees it: it resumes from the
 * last heartbeat, in the point in time that heartbeat names, and reads a side again when that one is gone.
 */
describe('verification resumes from its heartbeat', () => {
  let target: EsTarget;
  let es: Client;
  const suffix = Date.now().toString(36);
  const input: VerifyDocumentsInput = {
    sourceIndex: `verify-resume-src-${suffix}`,
    destinationIndex: `verify-resume-dst-${suffix}`,
    mode: 'content',
  };
  const verifier = () =>
    createVerifyDocumentsActivity({
      es,
      worker: { ...TEST_WORKER_CONFIG, verifyBatchDocuments: BATCH },
      temporal: {} as TemporalClient,
    });

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
    await seed(es, input.sourceIndex);
    await seed(es, input.destinationIndex);
  });
  afterAll(async () => {
    await es.indices.delete({ index: [input.sourceIndex, input.destinationIndex] }, { ignore: [404] });
    await target.close();
  });

  it('heartbeats each batch and passes equal indices', async () => {
    const environment = new MockActivityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const activity = verifier();
    await expect(environment.run((i) => activity.verifyDocuments(i), input)).resolves.toEqual({
      documents: COUNT,
    });
    // Three batches of each side (a heartbeat between batches repeats the last one).
    const checkpoints = [...new Set(beats.filter((beat) => beat !== undefined))];
    expect(checkpoints).toHaveLength(6);
    expect(checkpoints[5]).toMatchObject({ mode: 'content', side: 'destination' });
    expect(typeof (checkpoints[5] as { sourceDigest?: unknown }).sourceDigest).toBe('string');
  });

  it('resumes inside the point in time of its last heartbeat: a document written since is not seen', async () => {
    const sourceDigest = new DocumentDigest();
    const sourceHits = await es.search({ index: input.sourceIndex, size: COUNT, _source: true });
    for (const hit of sourceHits.hits.hits)
      sourceDigest.add('content', 'source', { id: hit._id ?? '', source: hit._source });
    // What an attempt that died after one batch of the destination had heartbeated.
    const pit = await es.openPointInTime({ index: input.destinationIndex, keep_alive: '1m' });
    const first = await es.search({
      pit: { id: pit.id, keep_alive: '1m' },
      size: BATCH,
      sort: [{ _shard_doc: 'asc' }],
      _source: true,
    });
    const partial = new DocumentDigest();
    for (const hit of first.hits.hits)
      partial.add('content', 'destination', { id: hit._id ?? '', source: hit._source });
    const checkpoint = {
      mode: 'content',
      side: 'destination',
      sourceDigest: sourceDigest.toJSON(),
      digest: partial.toJSON(),
      position: { pitId: first.pit_id ?? pit.id, after: first.hits.hits[BATCH - 1]?.sort },
    };
    await es.index({ index: input.destinationIndex, id: 'late', document: { n: -1 }, refresh: true });
    try {
      const activity = verifier();
      const resumed = new MockActivityEnvironment({ heartbeatDetails: checkpoint });
      await expect(resumed.run((i) => activity.verifyDocuments(i), input)).resolves.toEqual({
        documents: COUNT,
      });
      // Its point in time is closed now: a retry from the same heartbeat reads the destination again, and
      // now sees the late document.
      const again = new MockActivityEnvironment({ heartbeatDetails: checkpoint });
      await expect(again.run((i) => activity.verifyDocuments(i), input)).rejects.toThrow(
        'extra in new [late]',
      );
    } finally {
      await es.delete({ index: input.destinationIndex, id: 'late', refresh: true });
    }
  });
});
