import type { TasksGetResponse } from '@elastic/elasticsearch/lib/api/types';
import { processedDocuments, reindexTaskState } from '../../src/elasticsearch/reindex-task';

const taskInfo = {
  node: 'n',
  id: 1,
  type: 'transport',
  action: 'indices:data/write/reindex',
  cancellable: true,
  headers: {},
  running_time_in_nanos: 1,
  start_time_in_millis: 1,
};

describe('reindex task state', () => {
  it('reads a running task', () => {
    const state = reindexTaskState(
      { completed: false, task: { ...taskInfo, status: { total: 10, created: 3, version_conflicts: 2 } } },
      'src',
      'dst',
    );
    expect(state.kind).toBe('running');
    expect(processedDocuments(state.counters)).toBe(5);
  });

  it('words failures as Elasticsearch does', () => {
    const bulk: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: {
        total: 2,
        created: 1,
        failures: [{ index: 'dst', id: '1', cause: { type: 'x', reason: 'blocked' }, status: 403 }],
      },
    };
    expect(reindexTaskState(bulk, 'src', 'dst')).toMatchObject({
      kind: 'failed',
      message: 'Failure loading data from src into dst caused by blocked',
    });
    const search: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: { failures: [{ shard: 0, index: 'src', reason: { type: 'y', reason: 'shard gone' } }] },
    };
    expect(reindexTaskState(search, 'src', 'dst')).toMatchObject({
      kind: 'failed',
      message: 'Failure reading data from src caused by shard gone',
    });
    const errored: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      error: { type: 'z', reason: 'node left' },
    };
    expect(reindexTaskState(errored, 'src', 'dst')).toMatchObject({
      kind: 'failed',
      message: 'Failure reading data from src caused by node left',
    });
  });

  it('tells a cancelled task from a finished one', () => {
    const cancelled: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: { total: 5, created: 2, failures: [], canceled: 'by user request' },
    };
    expect(reindexTaskState(cancelled, 'src', 'dst')).toMatchObject({
      kind: 'cancelled',
      reason: 'by user request',
    });
    const done: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: { total: 5, created: 5, failures: [] },
    };
    expect(reindexTaskState(done, 'src', 'dst')).toMatchObject({
      kind: 'succeeded',
      counters: { total: 5, created: 5 },
    });
  });
});
