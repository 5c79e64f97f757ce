import { deriveStatus, progressPercent, withHumanReadableTimes } from '../../src/shared/status';
import { statusBeforeFirstTask } from '../../src/workflows/definitions';

const base = {
  startTimeMillis: 1737676174349,
  complete: false,
  totalIndicesInDataStream: 4,
  totalIndicesRequiringUpgrade: 3,
  inProgress: [
    { index: '.ds-my-data-stream-2025.01.23-000002', total_doc_count: 10000000, reindexed_doc_count: 1000 },
  ],
  pendingCount: 1,
  errors: [],
};

describe('status', () => {
  it("derives successes and keeps Elasticsearch's field order", () => {
    const status = deriveStatus(base);
    expect(JSON.stringify(status)).toBe(
      JSON.stringify({
        start_time_millis: 1737676174349,
        complete: false,
        total_indices_in_data_stream: 4,
        total_indices_requiring_upgrade: 3,
        successes: 1,
        in_progress: base.inProgress,
        pending: 1,
        errors: [],
      }),
    );
  });

  it('adds exception only when the whole task failed, and start_time first with ?human', () => {
    expect(deriveStatus(base)).not.toHaveProperty('exception');
    expect(deriveStatus({ ...base, exception: 'boom' }).exception).toBe('boom');
    const human = withHumanReadableTimes(deriveStatus(base));
    expect(Object.keys(human).slice(0, 2)).toEqual(['start_time', 'start_time_millis']);
    expect(human.start_time).toBe('2025-01-23T23:49:34.349Z');
  });

  it('adds a pause last, only while paused, with its time in human form too', () => {
    expect(deriveStatus(base)).not.toHaveProperty('paused');
    const paused = deriveStatus({ ...base, paused: { since_millis: 1737676200000, now: true } });
    expect(Object.keys(paused).at(-1)).toBe('paused');
    expect(withHumanReadableTimes(paused).paused).toEqual({
      since: '2025-01-23T23:50:00.000Z',
      since_millis: 1737676200000,
      now: true,
    });
  });

  it('reports progress in percent', () => {
    expect(progressPercent(deriveStatus(base))).toBe(33.3);
    expect(progressPercent(deriveStatus({ ...base, inProgress: [], pendingCount: 0, complete: true }))).toBe(
      100,
    );
    expect(
      progressPercent(
        deriveStatus({ ...base, totalIndicesRequiringUpgrade: 0, inProgress: [], pendingCount: 0 }),
      ),
    ).toBe(0);
  });
});

describe('the status before the first workflow task', () => {
  const accepted = {
    startTimeMillis: 1737676174349,
    totalIndicesInDataStream: 4,
    totalIndicesRequiringUpgrade: 3,
  };

  it('has the totals the service counted at the start, every index pending and none done', () => {
    expect(statusBeforeFirstTask({ dataStream: 'ds', accepted }, 1)).toEqual({
      start_time_millis: 1737676174349,
      complete: false,
      total_indices_in_data_stream: 4,
      total_indices_requiring_upgrade: 3,
      successes: 0,
      in_progress: [],
      pending: 3,
      errors: [],
    });
  });

  it("is the state handed over by continue-as-new, whatever the service's counts were", () => {
    const continued = {
      startTimeMillis: 1737676170000,
      totalIndicesInDataStream: 6,
      totalIndicesRequiringUpgrade: 5,
      pendingIndices: ['d', 'e'],
      errors: [{ index: 'b', message: 'disk full' }],
      maxConcurrentIndices: 2,
    };
    expect(statusBeforeFirstTask({ dataStream: 'ds', accepted, continued }, 1)).toEqual({
      start_time_millis: 1737676170000,
      complete: false,
      total_indices_in_data_stream: 6,
      total_indices_requiring_upgrade: 5,
      successes: 2,
      in_progress: [],
      pending: 2,
      errors: [{ index: 'b', message: 'disk full' }],
    });
  });

  it('starts at the execution start with nothing counted for a start made by an older service', () => {
    expect(statusBeforeFirstTask({ dataStream: 'ds' }, 1737676174000)).toMatchObject({
      start_time_millis: 1737676174000,
      total_indices_requiring_upgrade: 0,
      successes: 0,
      pending: 0,
    });
  });
});
