import {
  DEFAULT_MIGRATE_SETTINGS,
  effectiveMigrateSettings,
  MAX_CONCURRENT_INDICES_SETTING as CONCURRENCY,
  MAX_REQUESTS_PER_SECOND_SETTING as THROTTLE,
  parseMigrateSetting,
} from '../../src/shared/migrate-settings';

describe('migrate settings', () => {
  it('accepts what Elasticsearch accepts', () => {
    expect(parseMigrateSetting(THROTTLE, '-1')).toBe(-1);
    expect(parseMigrateSetting(THROTTLE, 0.5)).toBe(0.5);
    expect(parseMigrateSetting(THROTTLE, '10000')).toBe(10000);
    expect(parseMigrateSetting(CONCURRENCY, 3)).toBe(3);
    expect(parseMigrateSetting(CONCURRENCY, '1')).toBe(1);
  });

  it("refuses what Elasticsearch refuses, with Elasticsearch's reasons", () => {
    expect(() => parseMigrateSetting(THROTTLE, 0)).toThrow(
      'Failed to parse value [0] for setting [migrate.data_stream_reindex_max_request_per_second] must be greater than 0 or -1 for infinite',
    );
    expect(() => parseMigrateSetting(THROTTLE, '-2')).toThrow('must be greater than 0 or -1 for infinite');
    expect(() => parseMigrateSetting(CONCURRENCY, 0)).toThrow(
      'Failed to parse value [0] for setting [migrate.max_concurrent_indices_reindexed_per_data_stream] must be >= 1',
    );
    expect(() => parseMigrateSetting(CONCURRENCY, 'many')).toThrow(
      'Failed to parse value [many] for setting',
    );
    expect(() => parseMigrateSetting(THROTTLE, '')).toThrow('Failed to parse value [] for setting');
  });

  it('lets transient override persistent override the default', () => {
    expect(effectiveMigrateSettings({}, {})).toEqual(DEFAULT_MIGRATE_SETTINGS);
    expect(effectiveMigrateSettings({ [THROTTLE]: '50', [CONCURRENCY]: '2' }, { [THROTTLE]: '-1' })).toEqual({
      maxConcurrentIndices: 2,
      maxRequestsPerSecond: -1,
    });
  });
});
