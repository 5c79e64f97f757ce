import {
  indexVersionMajor,
  releaseMajor,
  upgradedByRun,
  upgradeSkipReason,
} from '../../src/shared/upgrade-predicate';

const old = { versionCreated: 7170099, verifiedReadOnly: false, system: false };

describe('which backing indices need upgrading', () => {
  it('reads the major of index version ids', () => {
    expect(indexVersionMajor(7170099)).toBe(7);
    expect(indexVersionMajor(8000099)).toBe(8);
    expect(indexVersionMajor(8536000)).toBe(8);
    expect(indexVersionMajor(9000000)).toBe(9);
    expect(releaseMajor('8.19.3')).toBe(8);
    expect(() => releaseMajor('x')).toThrow('not a version');
  });

  it('upgrades indices created by an older major', () => {
    expect(upgradeSkipReason(old, 8, false)).toBeUndefined();
    expect(upgradeSkipReason({ ...old, versionCreated: 8536000 }, 8, false)).toBe('current-version');
    expect(upgradeSkipReason({ ...old, versionCreated: 8536000 }, 9, false)).toBeUndefined();
  });

  it('skips searchable snapshots, verified read-only indices and system indices', () => {
    expect(upgradeSkipReason({ ...old, storeType: 'snapshot' }, 8, false)).toBe('searchable-snapshot');
    expect(upgradeSkipReason({ ...old, verifiedReadOnly: true }, 8, false)).toBe('verified-read-only');
    expect(upgradeSkipReason({ ...old, system: true }, 8, false)).toBe('system-index');
    expect(upgradeSkipReason({ ...old, system: true }, 8, true)).toBeUndefined();
    expect(upgradeSkipReason({ ...old, versionCreated: 8536000 }, 8, false)).toBe('current-version');
  });

  it('upgrades a verified read-only index only when the run reindexes those (--reindex-read-only)', () => {
    const marked = { needs_upgrade: false, skip_reason: 'verified-read-only' as const };
    expect(upgradedByRun(marked, false)).toBe(false);
    expect(upgradedByRun(marked, true)).toBe(true);
    expect(upgradedByRun({ needs_upgrade: true }, false)).toBe(true);
    for (const skip_reason of ['current-version', 'searchable-snapshot', 'system-index'] as const) {
      expect(upgradedByRun({ needs_upgrade: false, skip_reason }, true)).toBe(false);
    }
  });
});
