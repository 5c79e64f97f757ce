import { WorkerMetrics } from '../../src/worker/metrics';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

/** The sample lines of one metric, as `{labels} value` strings. */
async function samples(metrics: WorkerMetrics, name: string): Promise<string[]> {
  const text = await metrics.exposition();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => line.slice(name.length));
}

describe("the worker's metrics", () => {
  let now = 0;
  const metrics = (): WorkerMetrics => new WorkerMetrics(() => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('follows a copy: documents, rate, progress, throttle, and seconds since it last moved', async () => {
    const m = metrics();
    const copy = m.copyStarted({ dataStream: 'logs', index: 'old-1', reattached: false });
    copy.progress({ totalDocCount: 1000, reindexedDocCount: 0, requestsPerSecond: 100 });
    now += 10_000;
    copy.progress({ totalDocCount: 1000, reindexedDocCount: 400, requestsPerSecond: 100 });
    const labels = '{data_stream="logs",index="old-1"}';
    expect(await samples(m, 'ds_reindex_documents_copied_total')).toEqual(['{data_stream="logs"} 400']);
    expect(await samples(m, 'ds_reindex_copy_rate_docs_per_second')).toEqual([`${labels} 40`]);
    expect(await samples(m, 'ds_reindex_copy_progress_ratio')).toEqual([`${labels} 0.4`]);
    expect(await samples(m, 'ds_reindex_throttle_requests_per_second')).toEqual([`${labels} 100`]);

    // Stalled: the count stops growing, and the seconds since progress grow with every scrape.
    now += 45_000;
    copy.progress({ totalDocCount: 1000, reindexedDocCount: 400, requestsPerSecond: 100 });
    now += 15_000;
    expect(await samples(m, 'ds_reindex_copy_seconds_since_progress')).toEqual([`${labels} 60`]);
    expect(await samples(m, 'ds_reindex_copy_rate_docs_per_second')).toEqual([`${labels} 0`]);

    copy.ended();
    expect(await samples(m, 'ds_reindex_copy_seconds_since_progress')).toEqual([]);
    expect(await samples(m, 'ds_reindex_copy_rate_docs_per_second')).toEqual([]);
    expect(await samples(m, 'ds_reindex_documents_copied_total')).toEqual(['{data_stream="logs"} 400']);
  });

  it('counts a re-attached copy only from what it sees first, and keeps the newer attempt', async () => {
    const m = metrics();
    const first = m.copyStarted({ dataStream: 'logs', index: 'old-1', reattached: false });
    const second = m.copyStarted({ dataStream: 'logs', index: 'old-1', reattached: true });
    second.progress({ totalDocCount: 1000, reindexedDocCount: 700, requestsPerSecond: -1 });
    second.progress({ totalDocCount: 1000, reindexedDocCount: 900, requestsPerSecond: -1 });
    first.ended();
    expect(await samples(m, 'ds_reindex_documents_copied_total')).toEqual(['{data_stream="logs"} 200']);
    expect(await samples(m, 'ds_reindex_throttle_requests_per_second')).toEqual([
      '{data_stream="logs",index="old-1"} -1',
    ]);
  });

  it('shows each upgrade by index state, and forgets upgrades that have no status any more', async () => {
    const m = metrics();
    const status = {
      start_time_millis: 0,
      complete: false,
      total_indices_in_data_stream: 6,
      total_indices_requiring_upgrade: 5,
      successes: 2,
      in_progress: [{ index: 'x', total_doc_count: 1, reindexed_doc_count: 0 }],
      pending: 1,
      errors: [{ index: 'y', message: 'boom' }],
    };
    m.setStatuses(new Map([['logs', status]]));
    expect(await samples(m, 'ds_reindex_indices')).toEqual([
      '{data_stream="logs",state="upgraded"} 2',
      '{data_stream="logs",state="failed"} 1',
      '{data_stream="logs",state="in_progress"} 1',
      '{data_stream="logs",state="pending"} 1',
    ]);
    m.setStatuses(new Map());
    expect(await samples(m, 'ds_reindex_indices')).toEqual([]);
    m.retried({ dataStream: 'logs', activity: 'copyDocuments', cause: 'WorkerShutdown' });
    expect(await samples(m, 'ds_reindex_activity_retries_total')).toEqual([
      '{data_stream="logs",activity="copyDocuments",cause="WorkerShutdown"} 1',
    ]);
  });

  it('counts the indices waiting for disk: held before their copy, or a copy stopped by the flood stage', async () => {
    const m = metrics();
    const status: ReindexDataStreamStatus = {
      start_time_millis: 0,
      complete: false,
      total_indices_in_data_stream: 5,
      total_indices_requiring_upgrade: 4,
      successes: 0,
      in_progress: [
        {
          index: 'a',
          total_doc_count: 10,
          reindexed_doc_count: 5,
          waiting: { reason: 'disk: flood stage', since_millis: 1, disk: true },
        },
        {
          index: 'b',
          total_doc_count: 10,
          reindexed_doc_count: 5,
          waiting: { reason: 'a shard', since_millis: 1 },
        },
      ],
      pending: 2,
      errors: [],
      waiting_for_disk: { index: 'c', reason: 'disk: high watermark', since_millis: 2 },
    };
    m.setStatuses(
      new Map([
        ['logs', status],
        ['quiet', { ...status, in_progress: [], waiting_for_disk: undefined }] as const,
      ]),
    );
    expect(await samples(m, 'ds_reindex_indices_waiting_for_disk')).toEqual([
      '{data_stream="logs"} 2',
      '{data_stream="quiet"} 0',
    ]);
    m.setStatuses(new Map());
    expect(await samples(m, 'ds_reindex_indices_waiting_for_disk')).toEqual([]);
  });

  it("shows the latest cluster run's standalone indices by state, every state present, none without a run", async () => {
    const m = metrics();
    m.setStandaloneIndices({
      pattern: 'orders-*',
      total: 6,
      pending: ['orders-2024'],
      running: [{ index: 'orders-2023', started_at_millis: 0, step: 'upgrading' }],
      finished: (['upgraded', 'upgraded', 'cancelled', 'read_only'] as const).map((outcome, n) => ({
        index: `orders-20${n}`,
        outcome,
        started_at_millis: 0,
        finished_at_millis: 1,
        destination_index: null,
        documents: null,
        aliases_moved: [],
      })),
    });
    expect(await samples(m, 'ds_reindex_standalone_indices')).toEqual([
      '{state="pending"} 1',
      '{state="in_progress"} 1',
      '{state="upgraded"} 2',
      '{state="read_only"} 1',
      '{state="up_to_date"} 0',
      '{state="failed"} 0',
      '{state="cancelled"} 1',
    ]);
    m.setStandaloneIndices(undefined);
    expect(await samples(m, 'ds_reindex_standalone_indices')).toEqual([]);
  });
});
