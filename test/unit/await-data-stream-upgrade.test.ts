import type { Client as Elasticsearch } from '@elastic/elasticsearch';
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createClusterActivities } from '../../src/activities/cluster-activities';
import type { ReindexDataStreamStatus } from '../../src/shared/status';
import { TEST_WORKER_CONFIG } from '../support/upgrade-harness';

const finalStatus: ReindexDataStreamStatus = {
  start_time_millis: 10,
  complete: true,
  total_indices_in_data_stream: 101,
  total_indices_requiring_upgrade: 100,
  successes: 100,
  in_progress: [],
  pending: 0,
  errors: [],
};

type Answer = ReindexDataStreamStatus | Error;
type Execution = 'RUNNING' | 'COMPLETED';

/** The next of `answers` in turn, the last one from then on. */
const next = <T>(answers: T[]): T => (answers.length > 1 ? answers.shift() : answers[0]) as T;

/**
 * A data stream's upgrade as the cluster run's watch sees it through Temporal, poll by poll: its
 * execution status as `executions` say in turn, and its status query answering as `answers` say.
 */
function upgradeSeenAs(executions: Execution[], answers: Answer[]) {
  const handle = {
    describe: () => Promise.resolve({ status: { name: next(executions) } }),
    query: () => {
      const answer = next(answers);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  const temporal = { workflow: { getHandle: () => handle } } as unknown as TemporalClient;
  const activities = createClusterActivities({
    es: {} as Elasticsearch,
    temporal,
    worker: TEST_WORKER_CONFIG,
  });
  return () =>
    new MockActivityEnvironment().run(
      (input: { dataStream: string; pollIntervalMs: number }) => activities.awaitDataStreamUpgrade(input),
      { dataStream: 'logs-a', pollIntervalMs: 1 },
    );
}

describe("the cluster run's watch of a data stream's upgrade", () => {
  it('takes a completed upgrade as ended with its final status', async () => {
    await expect(upgradeSeenAs(['COMPLETED'], [finalStatus])()).resolves.toEqual({
      end: 'complete',
      status: finalStatus,
    });
  });

  it('fails the attempt, to be retried, when the status query of a completed upgrade fails', async () => {
    // Seen at 100,000 indices: the worker too busy to answer in time. Taken as "gone", the data stream
    // was reported failed, whatever had become of its indices.
    const watch = upgradeSeenAs(['COMPLETED'], [new Error('query timed out'), finalStatus]);
    await expect(watch()).rejects.toThrow('query timed out');
    await expect(watch()).resolves.toEqual({ end: 'complete', status: finalStatus });
  });

  it('never takes the status read while the upgrade ran for its final one', async () => {
    const running = { ...finalStatus, complete: false, successes: 40 };
    const watch = upgradeSeenAs(
      ['RUNNING', 'COMPLETED'],
      [running, new Error('query timed out'), finalStatus],
    );
    await expect(watch()).rejects.toThrow('query timed out');
    await expect(watch()).resolves.toEqual({ end: 'complete', status: finalStatus });
  });

  it('says gone when the upgrade no longer exists by the time its status is asked', async () => {
    const deleted = new WorkflowNotFoundError('not found', 'reindex-data-stream-logs-a', undefined);
    await expect(upgradeSeenAs(['COMPLETED'], [deleted])()).resolves.toEqual({ end: 'gone' });
  });
});
