import { buildClusterReport, renderClusterReportMarkdown } from '../../src/client/service/cluster-report';
import type { ClusterStatusView } from '../../src/client/service/cluster-upgrade-service';
import type { DataStreamRunReport } from '../../src/workflows/cluster-definitions';

const START = Date.UTC(2026, 10, 1, 1, 0, 0);

function entry(overrides: Partial<DataStreamRunReport>): DataStreamRunReport {
  return {
    data_stream: 'logs-a',
    outcome: 'upgraded',
    adopted: false,
    started_at_millis: START,
    finished_at_millis: START + 65_000,
    indices_requiring_upgrade: 3,
    indices_reindexed: 3,
    indices_failed: 0,
    indices_marked_read_only: 2,
    indices_already_read_only: 0,
    documents: 12_345,
    bytes: 1_000,
    errors: [],
    errors_omitted: 0,
    ...overrides,
  };
}

const status: ClusterStatusView = {
  state: 'completed_with_errors',
  complete: true,
  start_time_millis: START,
  end_time_millis: START + 3_723_000,
  pattern: 'logs-*',
  max_data_streams: 2,
  read_only: { kind: 'older-than', older_than: '90d', cutoff_millis: START - 90 * 86_400_000 },
  total_data_streams: 4,
  paused: null,
  window: {
    startMinute: 60,
    endMinute: 300,
    timeZone: 'Europe/Berlin',
    open: false,
    next_change_millis: START,
  },
  pending: [],
  running: [],
  finished: [
    entry({}),
    entry({
      data_stream: 'logs-b',
      outcome: 'upgraded_with_errors',
      indices_reindexed: 1,
      indices_failed: 1,
      documents: 100,
      errors: [{ index: '.ds-logs-b-000001', message: 'source index [.ds-logs-b-000001] does not exist' }],
      errors_omitted: 4,
    }),
    entry({
      data_stream: 'logs-c',
      outcome: 'read_only',
      indices_requiring_upgrade: 0,
      indices_reindexed: 0,
      documents: 0,
    }),
    entry({ data_stream: 'logs-d|x', outcome: 'failed', adopted: true, documents: null, exception: 'boom' }),
  ],
};

describe('the cluster report', () => {
  it('adds up the data streams, indices and documents', () => {
    const report = buildClusterReport(status);
    expect(report.totals).toEqual({
      data_streams: 4,
      upgraded: 1,
      upgraded_with_errors: 1,
      read_only: 1,
      up_to_date: 0,
      failed: 1,
      cancelled: 0,
      left_running: 0,
      running: 0,
      not_started: 0,
      indices_reindexed: 3 + 1 + 0 + 3,
      indices_failed: 1,
      indices_marked_read_only: 8,
      documents: 12_345 + 100,
    });
    expect(report.duration_millis).toBe(3_723_000);
    expect(report.data_streams.map((row) => row.duration_millis)).toEqual([65_000, 65_000, 65_000, 65_000]);
  });

  it('renders Markdown: summary, one row per data stream, every error', () => {
    const markdown = renderClusterReportMarkdown(buildClusterReport(status));
    expect(markdown).toContain('- **State:** completed_with_errors\n');
    expect(markdown).toContain('(1h 02m 03s)');
    expect(markdown).toContain('- **Maintenance window:** 01:00-05:00 Europe/Berlin\n');
    // A status without `verify` (a run before verification existed) compared counts.
    expect(markdown).toContain('- **Verification before each swap:** `count`: the same number of documents');
    const content = renderClusterReportMarkdown(buildClusterReport({ ...status, verify: 'content' }));
    expect(content).toContain('- **Verification before each swap:** `content`: the same `_id` → `_source`');
    expect(markdown).toContain('old indices older than 90d (before 2026-08-03T01:00:00.000Z)');
    expect(markdown).toContain(
      '| logs-a | upgraded | 3 of 3 | 0 | 2 | 12,345 | 2026-11-01T01:00:00.000Z | 1m 05s |',
    );
    // A pipe in a name must not break the table.
    expect(markdown).toContain('| logs-d\\|x (already running) | failed |');
    expect(markdown).toContain(
      '### logs-b\n\n- `.ds-logs-b-000001`: source index [.ds-logs-b-000001] does not exist\n- … and 4 more',
    );
    expect(markdown).toContain('### logs-d|x\n\n- boom');
  });

  it('says why a run that failed itself stopped', () => {
    const failed = {
      ...status,
      state: 'failed' as const,
      exception: 'the maintenance window could not be read: boom',
    };
    const report = buildClusterReport(failed);
    expect(report.exception).toBe('the maintenance window could not be read: boom');
    expect(renderClusterReportMarkdown(report)).toContain(
      '- **State:** failed\n- **Why it stopped:** the maintenance window could not be read: boom\n',
    );
    expect(buildClusterReport(status).exception).toBeUndefined();
  });
});

describe('the report of a run with standalone indices', () => {
  const withStandalone: ClusterStatusView = {
    ...status,
    standalone_indices: {
      pattern: 'orders-*',
      total: 3,
      pending: ['orders-2025'],
      running: [],
      finished: [
        {
          index: 'orders-2023',
          outcome: 'upgraded',
          started_at_millis: START,
          finished_at_millis: START + 3_000,
          destination_index: 'migrated-orders-2023',
          documents: 1_200,
          aliases_moved: ['orders', 'orders-read'],
        },
        {
          index: 'orders-2024',
          outcome: 'failed',
          started_at_millis: START,
          finished_at_millis: START + 1_000,
          destination_index: null,
          documents: null,
          aliases_moved: [],
          exception: 'document count mismatch | twice',
        },
      ],
    },
  };

  it('keeps them in the JSON and shows each with its new index, moved aliases and error', () => {
    const report = buildClusterReport(withStandalone);
    expect(report.standalone_indices?.finished).toHaveLength(2);
    const markdown = renderClusterReportMarkdown(report);
    expect(markdown).toContain(
      '- **Standalone indices:** orders-*, 3 selected: 1 upgraded, 1 failed; 1,200 documents reindexed',
    );
    expect(markdown).toContain('## Standalone indices (orders-*)');
    expect(markdown).toContain(
      '| orders-2023 | upgraded | migrated-orders-2023 | orders, orders-read | 1,200 | 3s |  |',
    );
    expect(markdown).toContain(
      '| orders-2024 | failed | - | - | - | 1s | document count mismatch \\| twice |',
    );
    expect(markdown).toContain('Not finished: orders-2025');
  });

  it('says nothing of them when the run had none', () => {
    expect(renderClusterReportMarkdown(buildClusterReport(status))).not.toContain('Standalone');
  });
});
