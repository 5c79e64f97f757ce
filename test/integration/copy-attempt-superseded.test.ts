import type { Client } from '@elastic/elasticsearch';
import { CancelledFailure } from '@temporalio/activity';
import type { Client as TemporalClient } from '@temporalio/client';
import { ActivityCancellationDetails } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createEsTarget,
  eventually,
  resetMigrateSettings,
  setMigrateSettings,
  preparedCopy,
  TEST_WORKER_CONFIG,
  type EsTarget,
} from '../support';
import {
  createCopyDocumentsActivity,
  type CopyCheckpoint,
} from '../../src/activities/copy-documents-activity';
import type { CopyTarget } from '../../src/activities/copy-task-requests';
import { runningCopyTasksInto } from '../../src/elasticsearch/reindex-task';

const DOCUMENTS = 2_000;

/**
 * A copy attempt the Temporal server no longer knows (its heartbeat answered "not found": the attempt timed
 * out, e.g. while the server was down, and a new attempt replaced it) must leave the copy's task running:
 * the new attempt re-attaches to it from the last heartbeat. Stopping it made the new attempt see its task
 * "cancelled outside ds-reindex" and fail the index. Only a cancel the workflow asked for stops the task.
 */
describe('a copy attempt that is cancelled', () => {
  let target: EsTarget;
  let es: Client;
  const suffix = Date.now().toString(36);
  const created: string[] = [];
  const copyActivity = () =>
    createCopyDocumentsActivity({ es, worker: TEST_WORKER_CONFIG, temporal: {} as TemporalClient });

  async function preparedIndex(name: string): Promise<CopyTarget> {
    const copy = await preparedCopy(es, `attempt-${name}-${suffix}`, DOCUMENTS);
    created.push(copy.sourceIndex, copy.destinationIndex);
    return copy;
  }

  /**
   * Starts a copy attempt, slowed by the throttle to 10 s (two pauses of 1,000 documents / 200 per second)
   * until the test lifts it, and resolves with it once it heartbeats its task.
   */
  async function attemptUnderWay(copy: CopyTarget) {
    await setMigrateSettings(es, { maxRequestsPerSecond: 200 });
    const environment = new MockActivityEnvironment();
    let checkpoint: CopyCheckpoint | undefined;
    environment.on('heartbeat', (details?: CopyCheckpoint) => {
      checkpoint ??= details;
    });
    const activity = copyActivity();
    const attempt = environment.run((input) => activity.copyDocuments(input), copy);
    attempt.catch(() => undefined);
    const first = await eventually(
      () => Promise.resolve(checkpoint),
      'the attempt heartbeats its task',
      30_000,
    );
    return { environment, attempt, checkpoint: first };
  }

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterEach(async () => {
    await resetMigrateSettings(es);
  });
  afterAll(async () => {
    if (created.length > 0) await es.indices.delete({ index: created }, { ignore: [404] });
    await target.close();
  });

  it('leaves its task to the attempt that replaced it when the server no longer knows it', async () => {
    const copy = await preparedIndex('superseded');
    const first = await attemptUnderWay(copy);
    first.environment.cancel('NOT_FOUND', new ActivityCancellationDetails({ notFound: true }));
    await expect(first.attempt).rejects.toBeInstanceOf(CancelledFailure);
    expect(await runningCopyTasksInto(es, copy.destinationIndex)).toEqual([first.checkpoint.taskId]);

    // The next attempt, as the server starts it: with the last heartbeat's details.
    const next = new MockActivityEnvironment({ heartbeatDetails: first.checkpoint });
    const activity = copyActivity();
    const attempt = next.run((input) => activity.copyDocuments(input), copy);
    await setMigrateSettings(es, { maxRequestsPerSecond: -1 });
    await expect(attempt).resolves.toMatchObject({
      taskId: first.checkpoint.taskId,
      tasksStarted: 1,
      totalDocCount: DOCUMENTS,
    });
  });

  it('stops its task when the workflow asked for the cancel', async () => {
    const copy = await preparedIndex('cancelled');
    const first = await attemptUnderWay(copy);
    first.environment.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }));
    await expect(first.attempt).rejects.toBeInstanceOf(CancelledFailure);
    expect(await runningCopyTasksInto(es, copy.destinationIndex)).toEqual([]);
  });
});
