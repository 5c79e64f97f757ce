import type { Client } from '@elastic/elasticsearch';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client as TemporalClient } from '@temporalio/client';
import { createEsTarget, preparedCopy, sleep, TEST_WORKER_CONFIG, type EsTarget } from '../support';
import {
  createCopyDocumentsActivity,
  type QuickCopyResult,
} from '../../src/activities/copy-documents-activity';
import type { CopyTarget } from '../../src/activities/copy-task-requests';
import { runningCopyTasksInto } from '../../src/elasticsearch/reindex-task';

const DOCUMENTS = 2_000;
// The copy ahead, started by the test: small batches at a throttle that makes it last about two seconds.
const AHEAD_BATCH = 100;
const AHEAD_REQUESTS_PER_SECOND = 1_000;
// Long enough that a follower which misses the copy ahead would be seen to wait it out.
const FOLLOW_WAIT_MS = 20_000;

/** A task's interval, from Elasticsearch's record of it. */
async function taskInterval(es: Client, taskId: string): Promise<{ startMs: number; endMs: number }> {
  const { task } = await es.tasks.get({ task_id: taskId });
  const startMs = Number(task.start_time_in_millis);
  return { startMs, endMs: startMs + Number(task.running_time_in_nanos) / 1e6 };
}

/**
 * The quick copy of an index prepared ahead at concurrency 1 (issue 25), alone against Elasticsearch: it
 * follows the copy of the index before it, which may be running, not started yet, or over already, and
 * never starts while that copy runs.
 */
describe('the quick copy follows the copy ahead', () => {
  let target: EsTarget;
  let es: Client;
  const suffix = Date.now().toString(36);
  const created: string[] = [];
  const activity = () =>
    createCopyDocumentsActivity({ es, worker: TEST_WORKER_CONFIG, temporal: {} as TemporalClient });

  async function preparedIndex(name: string): Promise<CopyTarget> {
    const copy = await preparedCopy(es, `quick-follow-${name}-${suffix}`, DOCUMENTS);
    created.push(copy.sourceIndex, copy.destinationIndex);
    return copy;
  }

  /** Starts the copy ahead as a throttled task of its own, so that it runs for a while. */
  async function startCopyAhead(ahead: CopyTarget): Promise<string> {
    const response = await es.reindex({
      wait_for_completion: false,
      requests_per_second: AHEAD_REQUESTS_PER_SECOND,
      source: { index: ahead.sourceIndex, size: AHEAD_BATCH },
      dest: { index: ahead.destinationIndex, op_type: 'create' },
    });
    return String(response.task);
  }

  /** Copies the index ahead before the follower looks: all of it, or only its first `maxDocs`. */
  async function copyAheadAtOnce(ahead: CopyTarget, maxDocs?: number): Promise<void> {
    await es.reindex({
      wait_for_completion: true,
      ...(maxDocs !== undefined ? { max_docs: maxDocs } : {}),
      source: { index: ahead.sourceIndex },
      dest: { index: ahead.destinationIndex, op_type: 'create' },
    });
  }

  function follow(next: CopyTarget, ahead: CopyTarget, waitMs: number): Promise<QuickCopyResult> {
    const copy = activity();
    return new MockActivityEnvironment().run((input) => copy.copyDocumentsQuickly(input), {
      ...next,
      waitMs,
      after: ahead,
    });
  }

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    if (created.length > 0) await es.indices.delete({ index: created }, { ignore: [404] });
    await target.close();
  });

  it('waits for a copy ahead that has not started yet, and starts only once it has ended', async () => {
    const ahead = await preparedIndex('a1');
    const next = await preparedIndex('b1');
    const followed = follow(next, ahead, FOLLOW_WAIT_MS);
    // The index ahead is still preparing when this one looks.
    await sleep(300);
    const aheadTask = await startCopyAhead(ahead);
    const result = await followed;
    expect(result).toMatchObject({ finished: true });
    if (!result.finished) return;
    const before = await taskInterval(es, aheadTask);
    const own = await taskInterval(es, result.taskId);
    // Elasticsearch records a start in whole milliseconds: a start in the millisecond of the end is after it.
    expect(own.startMs).toBeGreaterThanOrEqual(Math.floor(before.endMs));
    await es.indices.refresh({ index: next.destinationIndex });
    expect((await es.count({ index: next.destinationIndex })).count).toBe(DOCUMENTS);
  });

  it('follows a copy ahead that is over already, without waiting out its window', async () => {
    const ahead = await preparedIndex('a2');
    const next = await preparedIndex('b2');
    await copyAheadAtOnce(ahead);
    // Missed, it would wait the whole window and come back `turnNotYet`.
    await expect(follow(next, ahead, FOLLOW_WAIT_MS)).resolves.toMatchObject({ finished: true });
  });

  it('follows an index ahead that has finished already: swapped in, its old index deleted', async () => {
    const ahead = await preparedIndex('a4');
    const next = await preparedIndex('b4');
    await copyAheadAtOnce(ahead);
    await es.indices.delete({ index: ahead.sourceIndex });
    await expect(follow(next, ahead, FOLLOW_WAIT_MS)).resolves.toMatchObject({ finished: true });
  });

  it('starts nothing when the copy ahead is not over in time: one that stopped short is not over', async () => {
    const ahead = await preparedIndex('a3');
    const next = await preparedIndex('b3');
    // Half of the source, and no copy running: what a copy that ended short leaves.
    await copyAheadAtOnce(ahead, DOCUMENTS / 2);
    await expect(follow(next, ahead, 1_500)).resolves.toEqual({ finished: false, turnNotYet: true });
    expect(await runningCopyTasksInto(es, next.destinationIndex)).toEqual([]);
    await es.indices.refresh({ index: next.destinationIndex });
    expect((await es.count({ index: next.destinationIndex })).count).toBe(0);
  });
});
