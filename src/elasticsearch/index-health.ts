/** The two questions the upgrade asks of an index's health: is it there yet, and is a primary lost now. */
import type { Client } from '@elastic/elasticsearch';
import { requestTimeoutForServerWait } from './client';

/** An index's health after waiting for `status`, and whether it got there before the wait ended. */
export interface IndexHealthWait {
  status: 'green' | 'yellow' | 'red';
  reached: boolean;
}

/**
 * Waits up to `waitMs` until `index` is at least `status`: yellow has every primary active, green every
 * replica too. A wait that times out is answered 408 with the health as it is (real 8.19.21 and the
 * sandbox), so it is an answer here, not an error.
 */
export async function awaitIndexHealth(
  es: Client,
  index: string,
  status: 'green' | 'yellow',
  waitMs: number,
): Promise<IndexHealthWait> {
  const health = await es.cluster.health(
    { index, wait_for_status: status, timeout: `${waitMs}ms` },
    { ignore: [408], requestTimeout: requestTimeoutForServerWait(waitMs) },
  );
  const current = health.status.toLowerCase() as IndexHealthWait['status'];
  return { status: current, reached: !health.timed_out && current !== 'red' };
}

/**
 * Whether a primary shard of one of `indices` is not active now (its health is red), as when the only
 * copy of a shard left with a node. It does not wait: a shard that is still starting counts as active, so
 * a failure seen now is put down to a lost shard only when the cluster says so. An index that does not
 * exist counts for nothing (its health would be red too, but nothing will bring it back).
 */
export async function primaryShardUnavailable(es: Client, indices: readonly string[]): Promise<boolean> {
  for (const index of indices) {
    if (!(await es.indices.exists({ index, expand_wildcards: 'all' }))) continue;
    const health = await es.cluster.health({ index }, { ignore: [408] });
    if (health.status === 'red') return true;
  }
  return false;
}
