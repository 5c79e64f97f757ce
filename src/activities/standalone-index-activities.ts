import type { IndicesUpdateAliasesAction } from '@elastic/elasticsearch/lib/api/types';
import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDependencies } from './dependencies';
import { createDestinationIndexActivities } from './destination-index-activities';
import { elasticsearchStep, FAILURE_TYPES } from './failures';
import type { PreparedCopy } from './backing-index-phases';
import type { RollbackOutcome } from './swap-activities';
import type { SourceFacts } from './source-facts';
import { createSourceIndexActivities, restoreSourceAsItWas } from './source-index-activities';
import { isNotFound } from '../elasticsearch/errors';
import { deleteIndexIfExists } from '../elasticsearch/index-deletion';
import { markIndicesReadOnly } from '../elasticsearch/read-only-marking';
import { stopCopiesInto } from '../elasticsearch/reindex-task';
import { upgradePathOf, type ReadOnlyRule } from '../shared/read-only-rule';
import { indexVersionMajor, releaseMajor } from '../shared/upgrade-predicate';

type Elasticsearch = ActivityDependencies['es'];

/** One alias of an index, with every option Elasticsearch keeps for it. */
export interface IndexAlias {
  alias: string;
  filter?: Record<string, unknown>;
  index_routing?: string;
  search_routing?: string;
  is_write_index?: boolean;
  is_hidden?: boolean;
}

/** A standalone index as it was before the upgrade changed anything. */
export interface StandaloneSourceFacts {
  facts: SourceFacts;
  /** `index.hidden`: the alias that keeps its name is hidden too, so `*` still leaves it out. */
  hidden: boolean;
  /** Its aliases then (the switch moves the ones it has at the switch). */
  aliases: IndexAlias[];
}

export interface StandalonePhaseInput {
  sourceIndex: string;
  destinationIndex: string;
  facts: SourceFacts;
}

/** The aliases of `index` now, each with its options; none when it has none. */
export async function aliasesOf(es: Elasticsearch, index: string): Promise<IndexAlias[]> {
  const answer = await es.indices.getAlias({ index, expand_wildcards: 'all' });
  const aliases = answer[index]?.aliases ?? {};
  return Object.entries(aliases)
    .map(([alias, options]) => {
      const entry: IndexAlias = { alias };
      if (options.filter !== undefined) entry.filter = options.filter as Record<string, unknown>;
      if (options.index_routing !== undefined) entry.index_routing = options.index_routing;
      if (options.search_routing !== undefined) entry.search_routing = options.search_routing;
      if (options.is_write_index !== undefined) entry.is_write_index = options.is_write_index;
      if (options.is_hidden !== undefined) entry.is_hidden = options.is_hidden;
      return entry;
    })
    .sort((a, b) => a.alias.localeCompare(b.alias));
}

/**
 * Whether the switch has happened: the old name is an alias of the new index (the old index is gone:
 * Elasticsearch never lets an alias share an index's name).
 */
export async function switchedToDestination(
  es: Elasticsearch,
  input: { sourceIndex: string; destinationIndex: string },
): Promise<boolean> {
  try {
    const answer = await es.indices.getAlias({ name: input.sourceIndex, expand_wildcards: 'all' });
    return Object.keys(answer).includes(input.destinationIndex);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function flag(settings: Record<string, unknown>, name: string): boolean {
  return settings[name] === 'true' || settings[name] === true;
}

/**
 * The one `_aliases` request of the switch: the old index removed, its name added as an alias of the new
 * index, and every alias it has moved over with its options. Elasticsearch applies `remove_index` first
 * and all of it atomically, so no reader ever sees neither name nor both.
 */
export function switchActions(
  input: { sourceIndex: string; destinationIndex: string },
  aliases: readonly IndexAlias[],
  hidden: boolean,
): IndicesUpdateAliasesAction[] {
  const { sourceIndex, destinationIndex } = input;
  return [
    { remove_index: { index: sourceIndex } },
    { add: { index: destinationIndex, alias: sourceIndex, ...(hidden ? { is_hidden: true } : {}) } },
    ...aliases.map(({ alias, filter, ...options }): IndicesUpdateAliasesAction => ({
      add: {
        index: destinationIndex,
        alias,
        ...options,
        ...(filter !== undefined ? { filter: filter } : {}),
      },
    })),
  ];
}

/** What the cluster run does next with a standalone index, decided from its state now. */
export interface PreparedStandaloneIndex {
  /** `reindex`: start its workflow; `done`: nothing left to do (see `markedReadOnly`). */
  next: 'reindex' | 'done';
  /** This step marked it read-only (`_block/write`) by the run's read-only rule. */
  markedReadOnly: boolean;
  /** Why nothing is left to do, when `next` is `done` and it was not marked now. */
  reason?: string;
}

/**
 * Decides from the index as it is now (the plan may be hours old): gone, or its name an alias already
 * (upgraded since), or current, or verified read-only (unless the run reindexes those) needs nothing;
 * the read-only rule's choice is marked with `_block/write`; the rest is reindexed.
 */
async function prepareStandalone(
  es: Elasticsearch,
  input: { index: string; readOnly: ReadOnlyRule; reindexReadOnly: boolean; clusterMajor: number },
): Promise<PreparedStandaloneIndex> {
  const done = (reason: string): PreparedStandaloneIndex => ({ next: 'done', markedReadOnly: false, reason });
  let response: Record<string, { settings?: unknown }>;
  try {
    response = await es.indices.getSettings({
      index: input.index,
      flat_settings: true,
      expand_wildcards: 'all',
    });
  } catch (err) {
    if (isNotFound(err)) return done('the index no longer exists');
    throw err;
  }
  const settings = response[input.index]?.settings as Record<string, unknown> | undefined;
  if (settings === undefined) return done('its name is an alias now (upgraded since the plan)');
  if (indexVersionMajor(Number(settings['index.version.created'] ?? 0)) >= input.clusterMajor) {
    return done('created by the current major');
  }
  const verified = flag(settings, 'index.verified_read_only') && flag(settings, 'index.blocks.write');
  if (verified && !input.reindexReadOnly) return done('already marked read-only');
  const origination = Number(settings['index.lifecycle.origination_date']);
  const path = upgradePathOf(
    {
      creationDateMillis: Number(settings['index.creation_date'] ?? 0),
      ...(Number.isFinite(origination) ? { originationDateMillis: origination } : {}),
    },
    input.readOnly,
  );
  if (path === 'read-only' && !verified) {
    await markIndicesReadOnly(es, [input.index]);
    return { next: 'done', markedReadOnly: true };
  }
  return path === 'read-only' ? done('already marked read-only') : { next: 'reindex', markedReadOnly: false };
}

/** The switch itself (see `switchActions`), unless done already. */
async function switchToDestination(
  es: Elasticsearch,
  input: { sourceIndex: string; destinationIndex: string },
): Promise<void> {
  if (await switchedToDestination(es, input)) return;
  const exists = await es.indices.exists({ index: input.sourceIndex, expand_wildcards: 'all' });
  if (!exists) {
    throw ApplicationFailure.nonRetryable(
      `index [${input.sourceIndex}] no longer exists, and its name is not an alias of [${input.destinationIndex}]`,
      FAILURE_TYPES.UNEXPECTED_STATE,
    );
  }
  const settings = await es.indices.getSettings({
    index: input.sourceIndex,
    name: 'index.hidden',
    flat_settings: true,
    expand_wildcards: 'all',
  });
  const hidden = flag(settings[input.sourceIndex]?.settings ?? {}, 'index.hidden');
  const aliases = await aliasesOf(es, input.sourceIndex);
  await es.indices.updateAliases({ actions: switchActions(input, aliases, hidden) });
}

export function createStandaloneIndexActivities(deps: ActivityDependencies) {
  const { es } = deps;
  const source = createSourceIndexActivities(deps);
  const destination = createDestinationIndexActivities(deps);

  return {
    /** Gets one standalone index ready in the cluster run (see `prepareStandalone`); idempotent. */
    async prepareStandaloneIndex(input: {
      index: string;
      readOnly: ReadOnlyRule;
      reindexReadOnly: boolean;
    }): Promise<PreparedStandaloneIndex> {
      return elasticsearchStep(async () => {
        const info = await es.info();
        return prepareStandalone(es, { ...input, clusterMajor: releaseMajor(info.version.number) });
      }, input.index);
    },

    /** Reads the standalone index before anything changes it. Read-only, so safe to repeat. */
    async readStandaloneSource(index: string): Promise<StandaloneSourceFacts> {
      const facts = await source.readSourceFacts(index);
      return elasticsearchStep(async () => {
        const response = await es.indices.getSettings({
          index,
          flat_settings: true,
          expand_wildcards: 'all',
        });
        const settings = (response[index]?.settings ?? {}) as Record<string, unknown>;
        return {
          facts,
          hidden: flag(settings, 'index.hidden'),
          aliases: await aliasesOf(es, index),
        };
      }, index);
    },

    /**
     * Before the copy, as for a backing index: open the source and lift the blocks that would stop it,
     * block its writes and refresh, remove a stale destination, and create the new one from the source's
     * settings and mappings. Unless the switch is done already: then it changes nothing.
     */
    async prepareStandaloneCopy(input: StandalonePhaseInput): Promise<PreparedCopy> {
      const { sourceIndex, destinationIndex, facts } = input;
      if (await elasticsearchStep(() => switchedToDestination(es, input))) {
        const { count } = await elasticsearchStep(() => es.count({ index: destinationIndex }));
        return { alreadySwapped: true, documents: count };
      }
      if (facts.closed || facts.blocks.metadata || facts.blocks.read_only) {
        await source.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
      }
      await source.blockSourceWrites(sourceIndex);
      await destination.deleteStaleDestination(destinationIndex);
      await destination.createDestination({ sourceIndex, destinationIndex });
      return { alreadySwapped: false };
    },

    /**
     * The switch (see `switchActions`), with the aliases the old index has now. Idempotent: when the old
     * name already points at the new index, an earlier attempt did it.
     */
    async switchStandaloneIndex(input: { sourceIndex: string; destinationIndex: string }): Promise<void> {
      await elasticsearchStep(() => switchToDestination(es, input), input.sourceIndex);
    },

    /**
     * After a failure or a cancel: when the switch had happened, finishes (the lifecycle policy on the new
     * index); otherwise stops any copy, deletes the partial destination and gives the source back its
     * blocks (the verified write block too, when it had one: `restoreSourceAsItWas`) and its open/closed
     * state.
     */
    async rollBackStandaloneUpgrade(input: StandalonePhaseInput): Promise<RollbackOutcome> {
      return elasticsearchStep(async () => {
        if (await switchedToDestination(es, input)) {
          if (input.facts.lifecycleName !== null) {
            await es.indices.putSettings({
              index: input.destinationIndex,
              settings: { 'index.lifecycle.name': input.facts.lifecycleName },
            });
          }
          return 'completed-after-swap';
        }
        await stopCopiesInto(es, input.destinationIndex);
        await deleteIndexIfExists(es, input.destinationIndex);
        await restoreSourceAsItWas(es, input.sourceIndex, input.facts);
        return 'restored-source';
      }, input.sourceIndex);
    },
  };
}
