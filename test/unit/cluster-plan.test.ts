import type { BackingIndexFacts } from '../../src/elasticsearch/cluster-inspection';
import type { IlmFacts } from '../../src/elasticsearch/ilm';
import {
  estimateClusterMillis,
  estimateCopyMillis,
  forecastIlmDeletion,
  InvalidClusterOptionError,
  parseClusterOptions,
  readOnlyRuleAt,
} from '../../src/client/service/cluster-plan';
import { upgradePathOf } from '../../src/shared/read-only-rule';
import { formatDurationMs, InvalidDurationError, parseDurationMs } from '../../src/shared/time-values';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1);

describe('durations in Elasticsearch notation', () => {
  it('reads whole numbers with its units', () => {
    expect(parseDurationMs('90d')).toBe(90 * DAY);
    expect(parseDurationMs('12h')).toBe(12 * 3_600_000);
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('45s')).toBe(45_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('0')).toBe(0);
    expect(parseDurationMs(' 7D ')).toBe(7 * DAY);
  });

  it('refuses fractions, missing units and unknown units', () => {
    for (const bad of ['1.5d', '90', 'd', '3w', '-5d', '']) {
      expect(() => parseDurationMs(bad)).toThrow(InvalidDurationError);
    }
  });

  it('writes a duration in the largest unit that divides it', () => {
    expect(formatDurationMs(90 * DAY)).toBe('90d');
    expect(formatDurationMs(36 * 3_600_000)).toBe('36h');
    expect(formatDurationMs(1_500)).toBe('1500ms');
  });
});

describe('the read-only rule', () => {
  const aged = (daysOld: number, originationDaysOld?: number) => ({
    creationDateMillis: NOW - daysOld * DAY,
    originationDateMillis: originationDaysOld === undefined ? undefined : NOW - originationDaysOld * DAY,
  });

  it('reindexes everything by default and marks everything with --read-only', () => {
    expect(upgradePathOf(aged(400), { kind: 'none' })).toBe('reindex');
    expect(upgradePathOf(aged(1), { kind: 'all' })).toBe('read-only');
  });

  it('marks indices older than the cutoff, measured from the origination date when there is one', () => {
    const rule = readOnlyRuleAt({ kind: 'older-than', olderThanMs: 90 * DAY }, NOW);
    expect(rule).toEqual({ kind: 'older-than', olderThanMs: 90 * DAY, cutoffMillis: NOW - 90 * DAY });
    expect(upgradePathOf(aged(91), rule)).toBe('read-only');
    expect(upgradePathOf(aged(89), rule)).toBe('reindex');
    // A copy made by an earlier upgrade is new, but its origination date carries the data's age.
    expect(upgradePathOf(aged(1, 200), rule)).toBe('read-only');
    expect(upgradePathOf(aged(200, 1), rule)).toBe('reindex');
  });
});

function index(overrides: Partial<BackingIndexFacts> = {}): BackingIndexFacts {
  return {
    index: '.ds-logs-2026.01.01-000001',
    version_created: 7170099,
    needs_upgrade: true,
    write_index: false,
    closed: false,
    doc_count: 10,
    size_in_bytes: 100,
    creation_date_millis: NOW - 100 * DAY,
    origination_date_millis: null,
    lifecycle_policy: 'logs',
    managed_by: 'Index Lifecycle Management',
    ...overrides,
  };
}

function ilm(overrides: Partial<IlmFacts> = {}): IlmFacts {
  return {
    availability: { available: true },
    deleteAfterMs: new Map<string, number | null>([
      ['logs', 120 * DAY],
      ['keep-forever', null],
    ]),
    indices: new Map(),
    ...overrides,
  };
}

describe('which old indices ILM deletes soon anyway', () => {
  it('adds the delete phase min_age to the lifecycle date ILM reports', () => {
    const facts = ilm({
      indices: new Map([
        [
          index().index,
          { managed: true, policy: 'logs', lifecycleDateMillis: NOW - 115 * DAY, phase: 'warm' },
        ],
      ]),
    });
    expect(forecastIlmDeletion(index(), facts, NOW, 7 * DAY)).toEqual({
      state: 'scheduled',
      policy: 'logs',
      delete_after_millis: NOW + 5 * DAY,
      soon: true,
    });
    expect(forecastIlmDeletion(index(), facts, NOW, 2 * DAY)).toMatchObject({ soon: false });
  });

  it('falls back to the origination or creation date when ILM reports no lifecycle date', () => {
    expect(forecastIlmDeletion(index(), ilm(), NOW, 7 * DAY)).toMatchObject({
      delete_after_millis: NOW + 20 * DAY,
      soon: false,
    });
    expect(
      forecastIlmDeletion(index({ origination_date_millis: NOW - 119 * DAY }), ilm(), NOW, 7 * DAY),
    ).toMatchObject({ delete_after_millis: NOW + DAY, soon: true });
  });

  it('says never for a policy without a delete phase, and not managed without a policy', () => {
    expect(forecastIlmDeletion(index({ lifecycle_policy: 'keep-forever' }), ilm(), NOW, DAY)).toEqual({
      state: 'never',
      policy: 'keep-forever',
    });
    expect(forecastIlmDeletion(index({ lifecycle_policy: null }), ilm(), NOW, DAY)).toEqual({
      state: 'not-managed',
    });
    const unmanaged = ilm({ indices: new Map([[index().index, { managed: false }]]) });
    expect(forecastIlmDeletion(index(), unmanaged, NOW, DAY)).toEqual({ state: 'not-managed' });
  });

  it('says unknown, with the reason, when the cluster has no ILM API or the policy is missing', () => {
    const noIlm = ilm({ availability: { available: false, reason: 'the cluster has no ILM API (405)' } });
    expect(forecastIlmDeletion(index(), noIlm, NOW, DAY)).toEqual({
      state: 'unknown',
      reason: 'the cluster has no ILM API (405)',
    });
    expect(forecastIlmDeletion(index({ lifecycle_policy: 'gone' }), ilm(), NOW, DAY)).toMatchObject({
      state: 'unknown',
      reason: expect.stringContaining('[gone]') as unknown,
    });
    expect(
      forecastIlmDeletion(index({ managed_by: 'Data stream lifecycle' }), ilm(), NOW, DAY),
    ).toMatchObject({ state: 'unknown' });
  });
});

describe('copy time estimates', () => {
  it('divides documents by the throttle, sharing them over the concurrent copies', () => {
    expect(estimateCopyMillis([1000, 1000, 1000], 1000, 1)).toBe(3000);
    expect(estimateCopyMillis([1000, 1000, 1000], 1000, 3)).toBe(1000);
    // One big index bounds the time however many copies run at once.
    expect(estimateCopyMillis([9000, 1000], 1000, 2)).toBe(9000);
    expect(estimateCopyMillis([], 1000, 1)).toBe(0);
    expect(estimateCopyMillis([10], -1, 1)).toBeNull();
  });

  it('estimates the cluster as data streams sharing the lanes, bounded by the longest', () => {
    expect(estimateClusterMillis([3000, 1000, 2000], 1)).toBe(6000);
    expect(estimateClusterMillis([3000, 1000, 2000], 2)).toBe(3000);
    expect(estimateClusterMillis([1000, 1000, 1000, 1000], 2)).toBe(2000);
    expect(estimateClusterMillis([1000, null], 2)).toBeNull();
  });
});

describe('cluster options', () => {
  const names = {
    pattern: '--pattern',
    includeSystem: '--include-system',
    readOnly: '--read-only',
    readOnlyOlderThan: '--read-only-older-than',
    ilmHorizon: '--ilm-horizon',
    maxDataStreams: '--max-data-streams',
    window: '--window',
    verify: '--verify',
    indices: '--indices',
    reindexReadOnly: '--reindex-read-only',
  };

  it('fills in the defaults', () => {
    expect(parseClusterOptions({}, names)).toEqual({
      pattern: '*',
      includeSystem: false,
      readOnly: { kind: 'none' },
      ilmHorizonMs: 7 * DAY,
      maxDataStreams: 1,
    });
    expect(parseClusterOptions({ readOnlyOlderThan: '90d', maxDataStreams: '3' }, names)).toMatchObject({
      readOnly: { kind: 'older-than', olderThanMs: 90 * DAY },
      maxDataStreams: 3,
    });
  });

  it('takes --reindex-read-only with or without --indices, and never with a read-only rule', () => {
    expect(parseClusterOptions({ reindexReadOnly: true }, names)).toMatchObject({ reindexReadOnly: true });
    expect(parseClusterOptions({ reindexReadOnly: true, indices: 'old-*' }, names)).toMatchObject({
      reindexReadOnly: true,
      indices: 'old-*',
    });
    expect(() => parseClusterOptions({ reindexReadOnly: true, readOnly: true }, names)).toThrow(
      /--reindex-read-only .* --read-only .*choose one/,
    );
  });

  it('refuses contradictions and bad values, naming the option as the caller spelled it', () => {
    expect(() => parseClusterOptions({ readOnly: true, readOnlyOlderThan: '9d' }, names)).toThrow(
      /--read-only .* --read-only-older-than .*choose one/,
    );
    expect(() => parseClusterOptions({ maxDataStreams: '0' }, names)).toThrow(InvalidClusterOptionError);
    expect(() => parseClusterOptions({ maxDataStreams: 'two' }, names)).toThrow('--max-data-streams');
    expect(() => parseClusterOptions({ readOnlyOlderThan: '90 days' }, names)).toThrow(
      '--read-only-older-than',
    );
    expect(() => parseClusterOptions({ pattern: ' ' }, names)).toThrow('--pattern');
    expect(() => parseClusterOptions({ window: '1-5 Europe/Berlin' }, names)).toThrow('--window');
    expect(parseClusterOptions({ verify: 'Content' }, names).verify).toBe('content');
    expect(parseClusterOptions({}, names).verify).toBeUndefined();
    expect(() => parseClusterOptions({ verify: 'all' }, names)).toThrow(
      '[--verify] must be one of [count, ids, content], got [all]',
    );
    expect(parseClusterOptions({ window: '01:00-05:00 Europe/Berlin' }, names).window).toEqual({
      startMinute: 60,
      endMinute: 300,
      timeZone: 'Europe/Berlin',
    });
  });
});
