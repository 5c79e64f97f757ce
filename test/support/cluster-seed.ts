import { errors, type Client } from '@elastic/elasticsearch';
import { SEED_MAPPINGS, seedDocId, type SeedIndexContent } from '@ds-reindex/es-sandbox';
import { eventually } from './wait';

/** 7.17.0, what the sandbox's seeding defaults to: a backing index an 8.x upgrade must rebuild. */
const VERSION_7_17_0 = 7_170_099;
const DAY_MS = 86_400_000;
const DOCS_PER_BULK = 5_000;

/**
 * The test-only endpoint of the real-es node (`../shared/real-es`) that marks an index as created by an
 * older version, the way Elasticsearch's own tests fake old indices. A real cluster has no way to create
 * one (`index.version.created` is private), so without it nothing on the cluster needs upgrading.
 */
const setVersionCreatedPath = (index: string): string =>
  `/_local_shim/index/${encodeURIComponent(index)}/_set_version_created`;

async function backingIndices(es: Client, dataStream: string): Promise<string[]> {
  const response = await es.indices.getDataStream({ name: dataStream });
  return response.data_streams[0]?.indices.map((entry) => entry.index_name) ?? [];
}

/** Marks any index as created by `versionCreated` through the real-es node's test-only endpoint. */
export async function markCreatedBy(es: Client, index: string, versionCreated: number): Promise<void> {
  try {
    await es.transport.request({
      method: 'POST',
      path: setVersionCreatedPath(index),
      body: { version_created: versionCreated },
    });
  } catch (err) {
    const status = err instanceof errors.ResponseError ? err.statusCode : undefined;
    if (status === 400 && JSON.stringify((err as errors.ResponseError).body).includes('no handler found'))
      throw new Error(
        'seeding old backing indices on a real cluster needs the real-es test node (../shared/real-es), ' +
          `whose POST ${setVersionCreatedPath('<index>')} marks an index as created by 7.17; this cluster has no such endpoint`,
      );
    throw err;
  }
}

/**
 * Runs `test` while Elasticsearch's own system index `.tasks` (there once a task's result is stored) is
 * marked as created by 7.17 on the real-es node, then puts its version back and removes the two indices
 * whose reindex stored that result (`<prefix>-source`, `<prefix>-dest`).
 */
export async function withTasksIndexFrom717(
  es: Client,
  prefix: string,
  test: () => Promise<void>,
): Promise<void> {
  await es.index({ index: `${prefix}-source`, document: { n: 1 }, refresh: true });
  const started = await es.reindex({
    source: { index: `${prefix}-source` },
    dest: { index: `${prefix}-dest` },
    wait_for_completion: false,
  });
  await eventually(
    async () => ((await es.tasks.get({ task_id: String(started.task) })).completed ? true : undefined),
    'the reindex task to be stored in .tasks',
  );
  const marked = await es.transport.request<{ previous_version_created: number }>({
    method: 'POST',
    path: setVersionCreatedPath('.tasks'),
    body: { version_created: VERSION_7_17_0 },
  });
  try {
    await test();
  } finally {
    await es.transport.request({
      method: 'POST',
      path: setVersionCreatedPath('.tasks'),
      body: { version_created: marked.previous_version_created },
    });
    await es.indices.delete({ index: [`${prefix}-source`, `${prefix}-dest`] });
  }
}

/**
 * Seeds a data stream of old backing indices on a real cluster, with the same names, documents and ids
 * as the sandbox's `seedDataStream`: template `<name>-template`, documents `{@timestamp, message, n}`
 * with ids `seedDocId(index, n)`, one rollover per index, then each index marked as created by its
 * `versionCreated` (default 7.17.0), given its `settings`, and closed if asked. Replaces a data stream of
 * that name. Backing index names carry today's date (rollover names them), not the sandbox's one day
 * apart; document timestamps follow the sandbox's scheme.
 */
export async function seedDataStreamOnCluster(
  es: Client,
  name: string,
  contents: readonly SeedIndexContent[],
): Promise<string[]> {
  if (contents.length === 0) throw new Error('a seeded data stream needs at least one backing index');
  if (contents.slice(1).some((content) => (content.docsWithoutTimestamp ?? 0) > 0))
    throw new Error(
      'on a real cluster only the first backing index can hold documents without @timestamp ' +
        '(a data stream refuses them; only an index added with _modify can have them)',
    );
  await es.indices.deleteDataStream({ name }, { ignore: [404] });
  await es.indices.putIndexTemplate({
    name: `${name}-template`,
    index_patterns: [name],
    data_stream: {},
    priority: 500,
    template: { mappings: SEED_MAPPINGS },
  });
  await es.indices.createDataStream({ name });

  // Documents without @timestamp only fit an index that joins the data stream by `_modify`: a plain
  // hidden index with the 7.x backing-index name, as an upgraded 7.x cluster has them.
  const legacyFirst = (contents[0]?.docsWithoutTimestamp ?? 0) > 0 ? `.ds-${name}-000001` : undefined;
  if (legacyFirst !== undefined) {
    await es.indices.delete({ index: legacyFirst }, { ignore: [404] });
    await es.indices.create({
      index: legacyFirst,
      settings: { 'index.hidden': true },
      mappings: SEED_MAPPINGS,
    });
  }

  const now = Date.now();
  for (const [i, content] of contents.entries()) {
    const createdMs =
      content.creationDate === undefined
        ? now - (contents.length - 1 - i) * DAY_MS
        : new Date(content.creationDate).getTime();
    const intoLegacy = i === 0 && legacyFirst !== undefined;
    const current = await backingIndices(es, name);
    const index = intoLegacy ? legacyFirst : (current[current.length - 1] ?? name);
    const missing = content.docsWithoutTimestamp ?? 0;
    for (let from = 0; from < content.docCount; from += DOCS_PER_BULK) {
      const operations: object[] = [];
      for (let n = from; n < Math.min(content.docCount, from + DOCS_PER_BULK); n += 1) {
        // `create` through the data stream's name: a real node refuses writes naming a backing index.
        operations.push({ create: { _index: intoLegacy ? index : name, _id: seedDocId(index, n) } });
        const message = `doc ${n} of ${index}`;
        operations.push(
          n < missing
            ? { message, n }
            : { '@timestamp': new Date(createdMs + n * 1000).toISOString(), message, n },
        );
      }
      const response = await es.bulk({ operations });
      if (response.errors) {
        const first = response.items.map((item) => Object.values(item)[0]?.error).find(Boolean);
        throw new Error(`seeding ${index} failed: ${JSON.stringify(first)}`);
      }
    }
    await es.indices.refresh({ index });
    if (intoLegacy)
      await es.indices.modifyDataStream({ actions: [{ add_backing_index: { data_stream: name, index } }] });
    else if (i < contents.length - 1) await es.indices.rollover({ alias: name });
  }

  const names = await backingIndices(es, name);
  for (const [i, index] of names.entries()) {
    const content = contents[i];
    if (content === undefined) continue;
    const version = content.versionCreated ?? VERSION_7_17_0;
    if (version < 8_000_000) await markCreatedBy(es, index, version);
    if (content.settings !== undefined) await es.indices.putSettings({ index, settings: content.settings });
    if (content.closed) await es.indices.close({ index });
  }
  return names;
}
