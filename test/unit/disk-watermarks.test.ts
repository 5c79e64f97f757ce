import {
  diskVerdict,
  fitsBelowHigh,
  freeBytesRequired,
  largestAtOnce,
  parseByteSize,
  parseWatermark,
  type WatermarkSetting,
} from '../../src/shared/disk-watermarks';
import { diskPlanOf } from '../../src/elasticsearch/disk-plan';
import type { DiskSettings } from '../../src/elasticsearch/disk-facts';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

const setting = (value: string, maxHeadroom = '-1'): WatermarkSetting => ({
  value,
  max_headroom: maxHeadroom,
  source: 'set',
});

describe('watermark values', () => {
  it('reads percentages and ratios as a share of the disk used, anything else as free bytes', () => {
    expect(parseWatermark('85%')).toEqual({ kind: 'used-percent', percent: 85 });
    expect(parseWatermark('0.9')).toEqual({ kind: 'used-percent', percent: 90 });
    expect(parseWatermark('500mb')).toEqual({ kind: 'free-bytes', bytes: 500 * MB });
    expect(parseWatermark('1.5gb')).toEqual({ kind: 'free-bytes', bytes: 1.5 * GB });
    expect(parseWatermark('2048b')).toEqual({ kind: 'free-bytes', bytes: 2048 });
  });

  it('refuses what Elasticsearch refuses', () => {
    expect(() => parseWatermark('101%')).toThrow('percentage');
    expect(() => parseWatermark('1.5')).toThrow('above 1.0');
    expect(() => parseWatermark('lots')).toThrow('byte size');
    expect(() => parseByteSize('12 parsecs')).toThrow('byte size');
  });

  it('reads max headroom -1 as none and byte units as binary multiples', () => {
    expect(parseByteSize('-1')).toBe(-1);
    expect(parseByteSize('200GB')).toBe(200 * GB);
    expect(parseByteSize('10k')).toBe(10 * 1024);
  });
});

describe('free bytes a watermark requires', () => {
  it('leaves (100 - percent)% free, capped by the max headroom', () => {
    // 1 TB disk at 85%: 15% is 153.6 GB, under the 200 GB headroom.
    expect(freeBytesRequired(setting('85%', '200GB'), 1024 * GB)).toBe(Math.floor(1024 * GB * 0.15));
    // 10 TB disk at 85%: 15% is 1.5 TB, so the 200 GB headroom wins.
    expect(freeBytesRequired(setting('85%', '200GB'), 10240 * GB)).toBe(200 * GB);
    expect(freeBytesRequired(setting('0.95'), 100 * GB)).toBe(Math.floor(100 * GB * 0.05));
  });

  it('matches the figure Elasticsearch 8.19 reports for its default low watermark on this machine', () => {
    // _nodes/stats/fs of a real node: total 270553174016, low_watermark_free_space_in_bytes 40582976102.
    expect(freeBytesRequired(setting('85%', '200GB'), 270553174016)).toBe(40582976102);
  });

  it('takes an absolute value as the free space itself', () => {
    expect(freeBytesRequired(setting('700mb', '-1'), 10 * GB)).toBe(700 * MB);
  });
});

describe('verdicts', () => {
  const required = { low: 30 * GB, high: 20 * GB, flood_stage: 10 * GB };

  it('places the free disk after the extra space against each watermark', () => {
    expect(diskVerdict(50 * GB, 20 * GB, required)).toBe('below_low');
    expect(diskVerdict(50 * GB, 20 * GB + 1, required)).toBe('below_high');
    expect(diskVerdict(50 * GB, 30 * GB, required)).toBe('below_high');
    expect(diskVerdict(50 * GB, 35 * GB, required)).toBe('below_flood_stage');
    expect(diskVerdict(50 * GB, 40 * GB + 1, required)).toBe('past_flood_stage');
  });

  it('lets a copy start only while what runs and it still leave the high watermark free', () => {
    expect(fitsBelowHigh(50 * GB, 10 * GB, 20 * GB, required)).toBe(true);
    expect(fitsBelowHigh(50 * GB, 10 * GB, 20 * GB + 1, required)).toBe(false);
  });
});

describe('largest extra space at once', () => {
  it('sums the largest copies that can run together', () => {
    expect(largestAtOnce([5, 1, 9, 3], 2)).toBe(14);
    expect(largestAtOnce([5, 1, 9, 3], 10)).toBe(18);
    expect(largestAtOnce([], 3)).toBe(0);
    // A concurrency below one still runs one copy.
    expect(largestAtOnce([5, 9], 0)).toBe(9);
  });
});

describe('the disk plan from the facts', () => {
  const settings: DiskSettings = {
    threshold_enabled: true,
    watermarks: { low: setting('3gb'), high: setting('2gb'), flood_stage: setting('1gb') },
  };
  const disks = new Map([
    ['n1', { node_id: 'n1', node: 'node-1', total_bytes: 100 * GB, available_bytes: 5 * GB }],
    ['n2', { node_id: 'n2', node: 'node-2', total_bytes: 100 * GB, available_bytes: 50 * GB }],
    ['n3', { node_id: 'n3', node: 'node-3', total_bytes: 100 * GB, available_bytes: 1 * GB }],
  ]);

  it("charges each node with the source's shard copies it holds, the largest at the concurrency", () => {
    const plan = diskPlanOf(
      settings,
      disks,
      [
        // index a: two shards on node 1 (primary + primary), a replica on node 2
        { index: 'a', node_id: 'n1', store_bytes: 1 * GB },
        { index: 'a', node_id: 'n1', store_bytes: 1 * GB },
        { index: 'a', node_id: 'n2', store_bytes: 1 * GB },
        { index: 'b', node_id: 'n1', store_bytes: 1.5 * GB },
        { index: 'c', node_id: 'n1', store_bytes: 0.5 * GB },
      ],
      2,
    );
    expect(
      plan.nodes.map((node) => [node.node, node.copies, node.extra_bytes_at_once, node.verdict]),
    ).toEqual([
      // 2 GB (a) + 1.5 GB (b) leaves 1.5 GB: past high, not flood stage
      ['node-1', 3, 3.5 * GB, 'below_flood_stage'],
      ['node-2', 1, 1 * GB, 'below_low'],
    ]);
    expect(plan.past_flood_stage).toEqual([]);
    // node-3 holds nothing to copy: not in the plan.
  });

  it('names the nodes past the flood stage, and says whether Elasticsearch enforces it', () => {
    const copies = [{ index: 'a', node_id: 'n3', store_bytes: 0.5 * GB }];
    expect(diskPlanOf(settings, disks, copies, 1).past_flood_stage).toEqual(['node-3']);
    const off = diskPlanOf({ ...settings, threshold_enabled: false }, disks, copies, 1);
    expect(off.enforced).toBe(false);
    expect(off.nodes[0].verdict).toBe('past_flood_stage');
  });
});
