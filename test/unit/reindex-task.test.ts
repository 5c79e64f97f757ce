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

  it('tells a copy cut short by a node that left from a real failure', () => {
    const sourceShardLost: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: {
        total: 20_000,
        created: 800,
        failures: [
          {
            shard: -1,
            status: 502,
            reason: {
              type: 'node_not_connected_exception',
              reason: '[real-es-3][127.0.0.1:9512] Node not connected',
            },
          },
        ],
      },
    };
    expect(reindexTaskState(sourceShardLost, 'src', 'dst')).toMatchObject({
      kind: 'interrupted',
      message: 'Failure reading data from src caused by [real-es-3][127.0.0.1:9512] Node not connected',
      counters: { created: 800 },
    });
    const destinationShardLost: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: {
        failures: [
          {
            index: 'dst',
            id: '7',
            status: 503,
            cause: {
              type: 'unavailable_shards_exception',
              reason: '[dst][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest ...]',
            },
          },
        ],
      },
    };
    expect(reindexTaskState(destinationShardLost, 'src', 'dst').kind).toBe('interrupted');
    const searchLost: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      error: {
        type: 'search_phase_execution_exception',
        reason: 'all shards failed',
        caused_by: { type: 'no_shard_available_action_exception', reason: 'No shard available' },
      },
    };
    expect(reindexTaskState(searchLost, 'src', 'dst').kind).toBe('interrupted');
    // A real failure among lost shards fails the copy: it would fail again.
    const mixed: TasksGetResponse = {
      completed: true,
      task: taskInfo,
      response: {
        failures: [
          {
            index: 'dst',
            id: '1',
            status: 503,
            cause: { type: 'unavailable_shards_exception', reason: 'gone' },
          },
          {
            index: 'dst',
            id: '2',
            status: 400,
            cause: { type: 'document_parsing_exception', reason: 'bad date' },
          },
        ],
      },
    };
    expect(reindexTaskState(mixed, 'src', 'dst')).toMatchObject({
      kind: 'failed',
      message: 'Failure loading data from src into dst caused by bad date',
    });
  });

  it('tells a copy stopped by the flood-stage block from a write block, which would not lift by itself', () => {
    const blocked = (reason: string): TasksGetResponse => ({
      completed: true,
      task: taskInfo,
      response: {
        total: 20_000,
        created: 3000,
        failures: [
          {
            index: 'dst',
            id: '9',
            status: 429,
            cause: { type: 'cluster_block_exception', reason },
          },
        ],
      },
    });
    const flood = blocked(
      'index [dst] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block; for more information, see https://www.elastic.co/guide/en/elasticsearch/reference/8.19/fix-watermark-errors.html];',
    );
    expect(reindexTaskState(flood, 'src', 'dst')).toMatchObject({
      kind: 'disk-blocked',
      counters: { created: 3000 },
    });
    const writeBlock = blocked('index [dst] blocked by: [FORBIDDEN/8/index write (api)];');
    expect(reindexTaskState(writeBlock, 'src', 'dst').kind).toBe('failed');
  });
});
