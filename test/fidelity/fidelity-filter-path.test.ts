import { createEsTarget, type EsTarget } from '../support';

describe('filter_path response filtering', () => {
  let target: EsTarget;
  const ds = `filter-path-${Date.now()}`;

  beforeAll(async () => {
    target = await createEsTarget();
    await target.client.indices.putIndexTemplate({ name: ds, index_patterns: [`${ds}*`], data_stream: {} });
    await target.client.indices.createDataStream({ name: ds });
  });

  afterAll(async () => {
    await target.client.indices.deleteDataStream({ name: ds }).catch(() => undefined);
    await target.client.indices.deleteIndexTemplate({ name: ds }).catch(() => undefined);
    await target.close();
  });

  it("keeps only the named paths, looking through arrays, as in the user's example", async () => {
    const response = await target.client.indices.getDataStream({
      name: ds,
      filter_path: 'data_streams.indices.index_name',
    });
    const names = response.data_streams.map((stream) => Object.keys(stream));
    expect(names).toEqual([['indices']]);
    const indices = response.data_streams[0].indices.map((entry) => Object.keys(entry));
    expect(indices).toEqual([['index_name']]);
    expect(response.data_streams[0].indices[0].index_name.startsWith(`.ds-${ds}-`)).toBe(true);
  });

  it('supports wildcards and several paths, and answers {} when nothing matches', async () => {
    const root = await target.client.transport.request({
      method: 'GET',
      path: '/',
      querystring: { filter_path: 'version.num*,tagline' },
    });
    expect(Object.keys(root as object)).toEqual(['version', 'tagline']);
    expect(Object.keys((root as { version: object }).version)).toEqual(['number']);
    const nothing = await target.client.transport.request({
      method: 'GET',
      path: '/',
      querystring: { filter_path: 'no.such' },
    });
    expect(nothing).toEqual({});
  });
});
