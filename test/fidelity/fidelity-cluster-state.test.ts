import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { dataStreamTemplate, uniqueName } from './fidelity-helpers';

interface MetadataIndex {
  state?: string;
  system?: boolean;
  settings?: Record<string, string>;
  mappings?: Record<string, unknown>;
}

interface MetadataAnswer {
  metadata: {
    indices: Record<string, MetadataIndex>;
    data_stream?: {
      data_stream: Record<string, { system?: boolean; indices?: { index_name: string }[] }>;
    };
  };
}

/** The filter the readiness report reads the metadata with (src/elasticsearch/readiness-inspection.ts). */
const FILTER = [
  'metadata.indices.*.state',
  'metadata.indices.*.system',
  'metadata.indices.*.settings',
  'metadata.indices.*.mappings.**.type',
  'metadata.data_stream.data_stream.*.system',
  'metadata.data_stream.data_stream.*.indices.index_name',
];

async function metadata(es: Client): Promise<MetadataAnswer['metadata']> {
  const answer = (await es.cluster.state({
    metric: 'metadata',
    flat_settings: true,
    filter_path: FILTER,
  })) as MetadataAnswer;
  return answer.metadata;
}

describe('fidelity: GET _cluster/state/metadata, as the readiness report reads it', () => {
  let target: EsTarget;
  let es: Client;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  test('every index, closed and hidden ones too, with state, flat settings, system flag and mapped types', async () => {
    const mapped = uniqueName('cs-mapped');
    const closed = uniqueName('cs-closed');
    const hidden = `.${uniqueName('cs-hidden')}`;
    await es.indices.create({
      index: mapped,
      mappings: { properties: { q: { type: 'keyword' }, obj: { properties: { inner: { type: 'long' } } } } },
    });
    await es.indices.create({ index: closed });
    await es.indices.close({ index: closed });
    await es.indices.create({ index: hidden, settings: { 'index.hidden': true } });

    const indices = (await metadata(es)).indices;
    const { settings: mappedSettings, ...mappedRest } = indices[mapped] ?? {};
    expect(mappedSettings?.['index.version.created']).toMatch(/^8\d{6}$/);
    expect(mappedRest).toEqual({
      state: 'open',
      system: false,
      mappings: {
        _doc: { properties: { q: { type: 'keyword' }, obj: { properties: { inner: { type: 'long' } } } } },
      },
    });
    // No mappings: `**.type` keeps nothing, so the key is gone rather than `{}`.
    expect(Object.keys(indices[closed] ?? {}).sort()).toEqual(['settings', 'state', 'system']);
    expect(indices[closed]?.state).toBe('close');
    expect(indices[hidden]?.settings?.['index.hidden']).toBe('true');
    await es.indices.delete({ index: [mapped, closed, hidden] });
  });

  test('a write block from the block API is verified; one from the settings API is not; unblocking drops it', async () => {
    const viaApi = uniqueName('cs-block-api');
    const viaSettings = uniqueName('cs-block-settings');
    await es.indices.create({ index: viaApi });
    await es.indices.addBlock({ index: viaApi, block: 'write' });
    await es.indices.create({ index: viaSettings, settings: { 'index.blocks.write': true } });

    let indices = (await metadata(es)).indices;
    expect(indices[viaApi]?.settings).toMatchObject({
      'index.blocks.write': 'true',
      'index.verified_read_only': 'true',
    });
    expect(indices[viaSettings]?.settings?.['index.blocks.write']).toBe('true');
    expect(indices[viaSettings]?.settings?.['index.verified_read_only']).toBeUndefined();

    // Another setting keeps the flag; lifting the block (false, or null) drops it, as does lifting read_only.
    const nulled = uniqueName('cs-block-null');
    const readOnly = uniqueName('cs-block-read-only');
    for (const index of [nulled, readOnly]) await es.indices.create({ index });
    await es.indices.addBlock({ index: nulled, block: 'write' });
    await es.indices.addBlock({ index: readOnly, block: 'read_only' });
    await es.indices.putSettings({ index: viaApi, settings: { 'index.refresh_interval': '5s' } });
    expect((await metadata(es)).indices[viaApi]?.settings?.['index.verified_read_only']).toBe('true');
    await es.indices.putSettings({ index: viaApi, settings: { 'index.blocks.write': false } });
    await es.indices.putSettings({ index: nulled, settings: { 'index.blocks.write': null } });
    await es.indices.putSettings({ index: readOnly, settings: { 'index.blocks.read_only': false } });
    indices = (await metadata(es)).indices;
    for (const index of [viaApi, nulled, readOnly]) {
      expect(indices[index]?.settings?.['index.verified_read_only']).toBeUndefined();
    }
    await es.indices.delete({ index: [viaApi, viaSettings, nulled, readOnly] });
  });

  test('a data stream lists its backing indices and its system flag', async () => {
    const name = uniqueName('cs-ds');
    await es.indices.putIndexTemplate({ name: `${name}-template`, ...dataStreamTemplate(name) });
    await es.indices.createDataStream({ name });
    const backing = (await es.indices.getDataStream({ name })).data_streams[0]?.indices ?? [];

    const state = await metadata(es);
    expect(state.data_stream?.data_stream[name]).toEqual({
      system: false,
      indices: backing.map((entry) => ({ index_name: entry.index_name })),
    });
    const first = backing[0]?.index_name ?? '';
    expect(state.indices[first]?.settings?.['index.hidden']).toBe('true');
    await es.indices.deleteDataStream({ name });
    await es.indices.deleteIndexTemplate({ name: `${name}-template` });
  });
});
