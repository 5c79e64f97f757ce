import type { Client } from '@elastic/elasticsearch';
import {
  apiError,
  allDocumentIds,
  duplicates,
  eventually,
  expectSuccessesOnCluster,
  setMigrateSettings,
  useUpgradeHarness,
} from '../support';
import { REAL_CLUSTER_URL } from '../support/target';
import { dataStreamDiskPlan } from '../../src/client/service/disk-check';
import { inspectDataStream } from '../../src/elasticsearch/data-stream-inspection';
import { FLOOD_STAGE_BLOCK_SETTING } from '../../src/elasticsearch/flood-stage-block';
import { destinationIndexName } from '../../src/shared/names';

const GB = 1024 ** 3;
const DISK = 'cluster.routing.allocation.disk';

/** The one node's disk as Elasticsearch reports it, with the free space each watermark requires. */
interface NodeFs {
  available: number;
  low: number;
  high: number;
  flood: number;
}

async function nodeFs(es: Client): Promise<NodeFs> {
  const stats = await es.nodes.stats({ metric: 'fs' });
  const [node] = Object.values(stats.nodes);
  const [path] = node.fs?.data ?? [];
  const raw = path as unknown as Record<string, number>;
  return {
    available: raw.available_in_bytes,
    low: raw.low_watermark_free_space_in_bytes,
    high: raw.high_watermark_free_space_in_bytes,
    flood: raw.flood_stage_free_space_in_bytes,
  };
}

/**
 * Absolute watermarks (free bytes), each `offset` from what the node has available now, with the
 * threshold on and Elasticsearch reading disk often. The offsets are whole gigabytes, so free disk
 * moving by a few hundred megabytes while the test runs changes no verdict.
 */
async function setWatermarks(
  es: Client,
  offsetGb: { low: number; high: number; flood: number },
): Promise<NodeFs> {
  const { available } = await nodeFs(es);
  const at = (gb: number): string => `${Math.max(0, Math.floor(available + gb * GB))}b`;
  await es.cluster.putSettings({
    persistent: {
      [`${DISK}.threshold_enabled`]: true,
      'cluster.info.update.interval': '10s',
      [`${DISK}.watermark.low`]: at(offsetGb.low),
      [`${DISK}.watermark.high`]: at(offsetGb.high),
      [`${DISK}.watermark.flood_stage`]: at(offsetGb.flood),
    },
  });
  return nodeFs(es);
}

/** Indices carrying the flood-stage block now. */
async function blockedIndices(es: Client): Promise<string[]> {
  const settings = await es.indices.getSettings({
    index: '*',
    name: FLOOD_STAGE_BLOCK_SETTING,
    flat_settings: true,
    expand_wildcards: 'all',
  });
  return Object.entries(settings)
    .filter(([, entry]) => String((entry.settings ?? {})[FLOOD_STAGE_BLOCK_SETTING]) === 'true')
    .map(([index]) => index);
}

/**
 * Back to the node's defaults: the watermarks first, with the threshold still on so that Elasticsearch
 * releases its flood-stage blocks by itself, then the threshold and the interval. A block still there
 * after that is removed by hand, so no later test meets a read-only node.
 */
async function restoreDiskSettings(es: Client): Promise<void> {
  await es.cluster.putSettings({
    persistent: {
      [`${DISK}.watermark.low`]: null,
      [`${DISK}.watermark.high`]: null,
      [`${DISK}.watermark.flood_stage`]: null,
    },
  });
  await eventually(
    async () => ((await blockedIndices(es)).length === 0 ? true : undefined),
    'Elasticsearch to release its flood-stage blocks',
    90_000,
  ).catch(async () => {
    await es.indices.putSettings({
      index: '*',
      expand_wildcards: 'all',
      settings: { [FLOOD_STAGE_BLOCK_SETTING]: null },
    });
  });
  await es.cluster.putSettings({
    persistent: { [`${DISK}.threshold_enabled`]: null, 'cluster.info.update.interval': null },
  });
}

/** A data stream of old indices whose write index is already new, so nothing rolls over during the test. */
async function seedWithNewWriteIndex(
  h: ReturnType<ReturnType<typeof useUpgradeHarness>>,
  name: string,
  docCounts: number[],
): Promise<string[]> {
  const old = await h.seed(
    name,
    docCounts.map((docCount) => ({ docCount })),
  );
  await h.es.indices.rollover({ alias: name });
  return old;
}

// The sandbox has no `_nodes/stats/fs` and no disk watermarks: it cannot model disk, so these run only
// on a real node (scripts/test-real.sh), whose threshold is off by default and switched on here.
(REAL_CLUSTER_URL === undefined ? describe.skip : describe)(
  'disk watermarks [real node only: the sandbox has no disk figures or watermarks]',
  () => {
    const h = useUpgradeHarness('disk-watermarks');

    afterEach(async () => {
      await restoreDiskSettings(h().es);
    });

    it('plans each verdict against the watermarks in force, with the free bytes Elasticsearch itself computes', async () => {
      const ds = 'disk-plan-ds';
      await seedWithNewWriteIndex(h(), ds, [300, 200]);
      const inspection = await inspectDataStream(h().es, ds);
      const cases = [
        { offsets: { low: -3, high: -4, flood: -5 }, verdict: 'below_low' },
        { offsets: { low: 1, high: -3, flood: -4 }, verdict: 'below_high' },
        { offsets: { low: 2, high: 1, flood: -3 }, verdict: 'below_flood_stage' },
        { offsets: { low: 3, high: 2, flood: 1 }, verdict: 'past_flood_stage' },
      ] as const;
      for (const { offsets, verdict } of cases) {
        const fs = await setWatermarks(h().es, offsets);
        const plan = await dataStreamDiskPlan(h().es, inspection);
        expect(plan.enforced).toBe(true);
        expect(plan.nodes).toHaveLength(1);
        const [node] = plan.nodes;
        // The free space each watermark requires is the figure Elasticsearch reports for its node.
        expect(node.free_bytes_required).toEqual({ low: fs.low, high: fs.high, flood_stage: fs.flood });
        expect(plan.watermarks.low).toMatchObject({
          value: expect.stringMatching(/^\d+b$/) as unknown,
          source: 'set',
        });
        expect(node.copies).toBe(2);
        expect(node.extra_bytes_at_once).toBeGreaterThan(0);
        expect(node.verdict).toBe(verdict);
      }
    });

    it('refuses a start whose plan passes the flood stage, in the shape of an Elasticsearch error, unless told to', async () => {
      const ds = 'disk-refused-ds';
      await seedWithNewWriteIndex(h(), ds, [300]);
      await setWatermarks(h().es, { low: 3, high: 2, flood: 1 });
      const refused = await apiError(h().service.start(h().es, ds));
      expect(refused).toMatchObject({
        status: 409,
        type: 'status_exception',
        reason: expect.stringContaining('would pass the flood-stage disk watermark') as unknown,
      });
      // Nothing started.
      expect(await apiError(h().service.status(ds))).toMatchObject({ status: 404 });

      // The operator's override starts it all the same; with the disk back to normal it completes.
      await h().service.start(h().es, ds, { allowDiskRisk: true });
      expect((await h().service.status(ds)).complete).toBe(false);
      await restoreDiskSettings(h().es);
      const final = await h().completion(ds, 120_000);
      expect(final).toMatchObject({ complete: true, successes: 1, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);
    }, 300_000);

    it('holds an index before its copy while it would cross the high watermark, then upgrades it', async () => {
      const ds = 'disk-hold-ds';
      const old = await seedWithNewWriteIndex(h(), ds, [300, 200]);
      // Above the high watermark (nothing fits), far from the flood stage (the start is not refused).
      await setWatermarks(h().es, { low: 2, high: 1, flood: -3 });
      await h().service.start(h().es, ds);
      const held = await eventually(async () => {
        const status = await h().service.status(ds);
        return status.waiting_for_disk !== undefined ? status : undefined;
      }, 'the first index to be held for disk');
      expect(held.waiting_for_disk).toMatchObject({
        index: old[0],
        reason: expect.stringContaining('high watermark') as unknown,
        since_millis: expect.any(Number) as unknown,
      });
      expect(held).toMatchObject({ in_progress: [], pending: 2, successes: 0 });
      // Held, not started: no new index exists.
      expect(await h().es.indices.exists({ index: destinationIndexName(old[0]) })).toBe(false);
      // No watermark enforced any more: it starts at the next check.

      await restoreDiskSettings(h().es);
      const final = await h().completion(ds, 120_000);
      expect(final).toMatchObject({ complete: true, successes: 2, errors: [] });
      expect(final.waiting_for_disk).toBeUndefined();
      await expectSuccessesOnCluster(h().es, ds, final);
    }, 300_000);

    it('pauses a copy that meets the flood-stage block and resumes it, without copying again, once released', async () => {
      const ds = 'disk-flood-ds';
      const [source] = await seedWithNewWriteIndex(h(), ds, [20_000]);
      const destination = destinationIndexName(source);
      // 100 s of copying at 200 documents per second: Elasticsearch notices the flood stage (every 10 s,
      // here) well before the copy ends.
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });
      await h().service.start(h().es, ds);
      await h().copying(ds, { index: source, atLeastDocs: 1000 });

      await setWatermarks(h().es, { low: 3, high: 2, flood: 1 });
      await eventually(
        async () => ((await blockedIndices(h().es)).includes(destination) ? true : undefined),
        'Elasticsearch to block the new index at the flood stage',
        90_000,
      );
      const waiting = await eventually(
        async () => {
          const status = await h().service.status(ds);
          const entry = status.in_progress.find((index) => index.index === source);
          return entry?.waiting?.disk === true ? entry : undefined;
        },
        'the copy to wait for disk',
        90_000,
      );
      expect(waiting.waiting?.reason).toContain(FLOOD_STAGE_BLOCK_SETTING);
      const statusWhileBlocked = await h().service.status(ds);
      expect(statusWhileBlocked).toMatchObject({ errors: [], complete: false });

      await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
      await restoreDiskSettings(h().es);
      const final = await h().completion(ds, 180_000);
      expect(final).toMatchObject({ complete: true, successes: 1, errors: [] });
      await expectSuccessesOnCluster(h().es, ds, final);
      const ids = await allDocumentIds(h().es, destination);
      expect(ids).toHaveLength(20_000);
      expect(duplicates(ids)).toEqual([]);
      // The copy after the release skipped what was already there: its task created fewer documents than
      // the index holds (the task results Elasticsearch stored; the one stopped by the block may be lost).
      await h().es.indices.refresh({ index: '.tasks' });
      const tasks = await h().es.search<{ response?: { created?: number }; task?: { description?: string } }>(
        {
          index: '.tasks',
          size: 1000,
        },
      );
      const created = tasks.hits.hits
        .filter((hit) => hit._source?.task?.description?.endsWith(`to [${destination}]`) === true)
        .map((hit) => hit._source?.response?.created ?? 0);
      expect(created.length).toBeGreaterThan(0);
      expect(Math.min(...created)).toBeLessThan(20_000);
    }, 600_000);
  },
);
