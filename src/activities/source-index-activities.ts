import type { ActivityDependencies } from './dependencies';
import { elasticsearchStep } from './failures';
import { BLOCK_NAMES, type HealthStatus, type IndexBlocks, type SourceFacts } from './source-facts';
import { markIndicesReadOnly } from '../elasticsearch/read-only-marking';

function flatString(settings: Record<string, unknown>, name: string): string | null {
  const value = settings[name];
  return typeof value === 'string' ? value : null;
}

/** Blocks that refuse metadata changes, the block API's included. */
const METADATA_BLOCKS: ReadonlySet<keyof IndexBlocks> = new Set(['metadata', 'read_only']);

/**
 * Gives a source its original blocks and open/closed state back after a failed or cancelled upgrade, so
 * that it is exactly as before: a verified write block (`verifiedReadOnly`) is put back with the block API,
 * since lifting `read_only` or `write` through the settings API (as the preparation and the restore do)
 * drops `index.verified_read_only`, and setting them records none. Nothing when the source is gone.
 */
export async function restoreSourceAsItWas(
  es: ActivityDependencies['es'],
  sourceIndex: string,
  facts: SourceFacts,
): Promise<void> {
  if (!(await es.indices.exists({ index: sourceIndex, expand_wildcards: 'all' }))) return;
  const verified = facts.verifiedReadOnly === true;
  // A verified source's metadata-refusing blocks go on after its verified block, which they would refuse.
  const afterVerified = (name: keyof IndexBlocks): boolean =>
    verified && facts.blocks[name] && METADATA_BLOCKS.has(name);
  const blocks = (names: readonly (keyof IndexBlocks)[]) =>
    Object.fromEntries(names.map((name) => [`index.blocks.${name}`, facts.blocks[name] ? true : null]));
  // Close before re-adding blocks: a metadata or read-only block would refuse the close.
  if (facts.closed) await es.indices.close({ index: sourceIndex });
  await es.indices.putSettings({
    index: sourceIndex,
    settings: blocks(BLOCK_NAMES.filter((name) => !afterVerified(name))),
  });
  if (!verified) return;
  await markIndicesReadOnly(es, [sourceIndex]);
  const last = BLOCK_NAMES.filter(afterVerified);
  if (last.length > 0) await es.indices.putSettings({ index: sourceIndex, settings: blocks(last) });
}

export function createSourceIndexActivities({ es }: ActivityDependencies) {
  return {
    /** Reads the source's state before anything changes it. Read-only, so safe to repeat. */
    async readSourceFacts(index: string): Promise<SourceFacts> {
      return elasticsearchStep(async () => {
        // Both at once: the next index's start waits for them while the node may be idle.
        const [response, [row]] = await Promise.all([
          es.indices.getSettings({ index, flat_settings: true, expand_wildcards: 'all' }),
          es.cat.indices({ index, format: 'json', h: 'health,status', expand_wildcards: 'all' }),
        ]);
        const settings = (response[index]?.settings ?? {}) as Record<string, unknown>;
        const closed = row?.status === 'close';
        const blocks = Object.fromEntries(
          BLOCK_NAMES.map((name) => [name, flatString(settings, `index.blocks.${name}`) === 'true']),
        ) as unknown as IndexBlocks;
        const verifiedReadOnly = flatString(settings, 'index.verified_read_only') === 'true' && blocks.write;
        return {
          index,
          closed,
          health: (row?.health as HealthStatus | undefined) ?? 'green',
          numberOfReplicas: flatString(settings, 'index.number_of_replicas'),
          refreshInterval: flatString(settings, 'index.refresh_interval'),
          lifecycleName: flatString(settings, 'index.lifecycle.name'),
          creationDate: flatString(settings, 'index.creation_date') ?? '',
          lifecycleOriginationDate: flatString(settings, 'index.lifecycle.origination_date'),
          blocks,
          // Only when set, so the facts of an index never marked read as they always did.
          ...(verifiedReadOnly ? { verifiedReadOnly: true } : {}),
        };
      }, index);
    },

    /**
     * Lifts the blocks that would stop the copy (`metadata`, `read_only`) and opens a closed source.
     * Both are no-ops when already done.
     */
    async openSourceAndClearBlocks(input: { index: string; closed: boolean }): Promise<void> {
      await elasticsearchStep(async () => {
        await es.indices.putSettings({
          index: input.index,
          settings: { 'index.blocks.metadata': false, 'index.blocks.read_only': false },
        });
        if (input.closed) await es.indices.open({ index: input.index, wait_for_active_shards: 1 });
      }, input.index);
    },

    /**
     * Blocks writes through index settings (not a *verified* block, which a later run would read as
     * "marked read-only, skip"), then refreshes so that every acknowledged write is visible to the copy.
     * The block stays until the source is deleted: no write can land in it unnoticed.
     */
    async blockSourceWrites(index: string): Promise<void> {
      await elasticsearchStep(async () => {
        await es.indices.putSettings({ index, settings: { 'index.blocks.write': true } });
        await es.indices.refresh({ index });
      }, index);
    },
  };
}
