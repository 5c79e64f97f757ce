import { Client } from '@elastic/elasticsearch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../src';
import { eventually } from './helpers';

describe('sandbox persistence with dataDir', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'es-sandbox-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function open(): Promise<{ sandbox: RunningSandbox; es: Client }> {
    const sandbox = await startSandbox({ port: 0, dataDir });
    return { sandbox, es: new Client({ node: sandbox.url, maxRetries: 0 }) };
  }

  test('every acknowledged change survives a restart', async () => {
    const first = await open();
    const seeded = await first.sandbox.controls.seedDataStream({
      name: 'persisted-ds',
      backingIndices: [
        { docCount: 40, docsWithoutTimestamp: 2 },
        { docCount: 3, closed: true },
        { docCount: 5 },
      ],
    });
    await first.es.indices.create({
      index: 'plain',
      settings: { number_of_replicas: 0, refresh_interval: '-1' },
    });
    await first.es.index({ index: 'plain', id: 'a', document: { n: 1 } });
    await first.es.index({ index: 'plain', id: 'b', document: { n: 2 } });
    await first.es.delete({ index: 'plain', id: 'b' });
    await first.es.indices.putSettings({
      index: 'plain',
      settings: { 'index.blocks.write': true, 'index.lifecycle.name': 'p' },
    });
    await first.es.cluster.putSettings({
      persistent: { 'migrate.max_concurrent_indices_reindexed_per_data_stream': 4 },
    });
    await first.es.ingest.putPipeline({
      id: 'fill',
      processors: [{ set: { field: '@timestamp', value: 0, override: false } }],
    });
    await first.es.indices.rollover({ alias: 'persisted-ds' });
    await first.es.index({ index: 'persisted-ds', document: { '@timestamp': new Date().toISOString() } });
    const task = await first.es.reindex({
      source: { index: seeded.backingIndices[0] ?? '' },
      dest: { index: 'copied', pipeline: 'fill' },
      wait_for_completion: false,
    });
    const taskId = String(task.task);
    await eventually(async () => (await first.es.tasks.get({ task_id: taskId })).completed);
    const before = await first.es.indices.getDataStream({ name: 'persisted-ds' });
    await first.es.close();
    await first.sandbox.close();

    const second = await open();
    const es = second.es;
    expect(await es.indices.getDataStream({ name: 'persisted-ds' })).toEqual(before);
    expect(
      (await es.indices.getIndexTemplate({ name: 'persisted-ds-template' })).index_templates,
    ).toHaveLength(1);
    expect((await es.count({ index: seeded.backingIndices[0] ?? '' })).count).toBe(40);
    expect((await es.cat.indices({ index: seeded.backingIndices[1] ?? '', format: 'json' }))[0]?.status).toBe(
      'close',
    );
    // The unrefreshed write survived too: after a restart everything acknowledged is searchable.
    expect((await es.count({ index: 'plain' })).count).toBe(1);
    expect((await es.get({ index: 'plain', id: 'a' }))._source).toEqual({ n: 1 });
    const settings = (await es.indices.getSettings({ index: 'plain', flat_settings: true })).plain
      ?.settings as Record<string, string>;
    expect(settings['index.blocks.write']).toBe('true');
    expect(settings['index.lifecycle.name']).toBe('p');
    const cluster = await es.cluster.getSettings({ flat_settings: true });
    expect(cluster.persistent['migrate.max_concurrent_indices_reindexed_per_data_stream']).toBe('4');
    expect(Object.keys(await es.ingest.getPipeline({ id: 'fill' }))).toEqual(['fill']);
    const result = await es.tasks.get({ task_id: taskId });
    expect(result.completed).toBe(true);
    expect((result.response as unknown as { created: number }).created).toBe(40);
    expect((await es.count({ index: 'copied' })).count).toBe(40);
    // New task ids do not collide with stored ones.
    const next = await es.reindex({
      source: { index: 'copied' },
      dest: { index: 'copied2' },
      wait_for_completion: false,
    });
    expect(String(next.task)).not.toBe(taskId);
    await eventually(async () => (await es.tasks.get({ task_id: String(next.task) })).completed);
    await es.close();
    await second.sandbox.close();

    // A third start replays the compacted journal.
    const third = await open();
    expect((await third.es.count({ index: 'copied2' })).count).toBe(40);
    await third.es.close();
    await third.sandbox.close();
  });

  test('aliases survive a restart, with their options', async () => {
    const first = await open();
    await first.es.indices.create({
      index: 'aliased',
      aliases: { 'aliased-write': { is_write_index: true } },
    });
    await first.es.indices.create({ index: 'aliased-next' });
    await first.es.indices.updateAliases({
      actions: [
        { remove_index: { index: 'aliased' } },
        { add: { index: 'aliased-next', alias: 'aliased' } },
        { add: { index: 'aliased-next', alias: 'aliased-even', filter: { term: { n: 2 } }, routing: '1' } },
      ],
    });
    const before = await first.es.indices.getAlias({ index: 'aliased-next' });
    await first.es.close();
    await first.sandbox.close();

    const second = await open();
    expect(await second.es.indices.getAlias({ index: 'aliased-next' })).toEqual(before);
    expect(before).toEqual({
      'aliased-next': {
        aliases: {
          aliased: {},
          'aliased-even': { filter: { term: { n: 2 } }, index_routing: '1', search_routing: '1' },
        },
      },
    });
    await second.es.close();
    await second.sandbox.close();
  });
});
