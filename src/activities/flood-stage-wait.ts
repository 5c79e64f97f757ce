import { log, type Context } from '@temporalio/activity';
import type { CopyTarget } from './copy-task-requests';
import type { ActivityDependencies } from './dependencies';
import type { WorkerConfig } from '../config';
import { getDataStream } from '../elasticsearch/data-streams';
import { floodStageBlockedIndices, FLOOD_STAGE_BLOCK_SETTING } from '../elasticsearch/flood-stage-block';
import type { CopyWait } from '../shared/status';

export interface FloodStageWaitOptions {
  es: ActivityDependencies['es'];
  worker: WorkerConfig;
  context: Context;
  target: CopyTarget;
  /** Tells the upgrade's status that the copy waits for disk, and why (heartbeats too). */
  reportWaiting: (waiting: CopyWait) => Promise<void>;
}

/** The indices the copy needs writable: the new index, and the data stream's write index (the live one). */
async function indicesToWatch(options: FloodStageWaitOptions): Promise<string[]> {
  const { es, target } = options;
  if (target.standalone === true) return [target.destinationIndex];
  const stream = await getDataStream(es, target.dataStream).catch(() => undefined);
  const writeIndex = stream?.indices[stream.indices.length - 1]?.index_name;
  return writeIndex === undefined ? [target.destinationIndex] : [target.destinationIndex, writeIndex];
}

/**
 * Waits, heartbeating and saying why in the status, while the new index or the data stream's write index
 * carries the flood-stage block. Elasticsearch releases it by itself once the node's disk is back below
 * the high watermark; then the copy goes on where it was. Returns whether it waited at all.
 */
export async function waitForFloodStageRelease(options: FloodStageWaitOptions): Promise<boolean> {
  const { es, worker, context, target } = options;
  const since = Date.now();
  let waited = false;
  for (;;) {
    const blocked = await floodStageBlockedIndices(es, await indicesToWatch(options));
    if (blocked.length === 0) {
      if (waited) log.info('the flood-stage block is gone: the copy goes on', { index: target.sourceIndex });
      return waited;
    }
    if (!waited) log.warn('a node passed the flood-stage watermark: the copy waits', { blocked });
    waited = true;
    await options.reportWaiting({
      reason:
        `disk: [${blocked.join(', ')}] carries ${FLOOD_STAGE_BLOCK_SETTING} (a node passed the flood-stage ` +
        'watermark); the copy goes on by itself once Elasticsearch releases the block, when disk is freed',
      since_millis: since,
      disk: true,
    });
    await context.sleep(worker.reindexPollIntervalMs);
  }
}
