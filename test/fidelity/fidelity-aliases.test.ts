import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { expectEsError, uniqueName } from './fidelity-helpers';

// The aliases the standalone-index switch relies on, the same on the sandbox and on a real 8.19 node:
// aliases given at index creation, `GET _alias` with every option, and `POST _aliases` (`add`, `remove`,
// `remove_index`, applied atomically, `remove_index` first) with Elasticsearch's refusals.
describe('fidelity: aliases', () => {
  let target: EsTarget;
  let es: Client;

  beforeAll(async () => {
    target = await createEsTarget();
    es = target.client;
  });
  afterAll(async () => {
    await target.close();
  });

  test('aliases given at creation are kept with their options, and GET _alias shows them', async () => {
    const name = uniqueName('alias-create');
    await es.indices.create({
      index: name,
      aliases: {
        [`${name}-write`]: { is_write_index: true },
        [`${name}-even`]: { filter: { term: { tag: 'even' } }, routing: '1' },
        [`${name}-search`]: { search_routing: '1,2' },
      },
    });
    expect(await es.indices.getAlias({ index: name })).toEqual({
      [name]: {
        aliases: {
          [`${name}-even`]: { filter: { term: { tag: 'even' } }, index_routing: '1', search_routing: '1' },
          [`${name}-search`]: { search_routing: '1,2' },
          [`${name}-write`]: { is_write_index: true },
        },
      },
    });
    expect(await es.indices.getAlias({ name: `${name}-write` })).toEqual({
      [name]: { aliases: { [`${name}-write`]: { is_write_index: true } } },
    });
    // A write through the write alias lands in its index; a read through an alias reads it.
    const written = await es.index({ index: `${name}-write`, document: { tag: 'even' }, refresh: true });
    expect(written._index).toBe(name);
    expect((await es.count({ index: `${name}-search` })).count).toBe(1);
    await es.indices.delete({ index: name });
  });

  test('the switch: one _aliases call removes the old index and gives its name and aliases to the new one', async () => {
    const old = uniqueName('alias-old');
    const fresh = uniqueName('alias-new');
    await es.indices.create({ index: old, aliases: { [`${old}-write`]: { is_write_index: true } } });
    await es.indices.create({ index: fresh });
    const answer = await es.indices.updateAliases({
      actions: [
        { add: { index: fresh, alias: old } },
        { add: { index: fresh, alias: `${old}-write`, is_write_index: true } },
        { remove_index: { index: old } },
      ],
    });
    expect(answer).toEqual({ acknowledged: true, errors: false });
    expect(await es.indices.getAlias({ index: fresh })).toEqual({
      [fresh]: { aliases: { [old]: {}, [`${old}-write`]: { is_write_index: true } } },
    });
    const rows = await es.cat.indices({ index: `${old}*,${fresh}`, h: 'index', format: 'json' });
    expect(rows.map((row) => row.index)).toEqual([fresh]);
    await es.indices.delete({ index: fresh });
  });

  test('an alias may not take an existing index name, nor an index an alias name', async () => {
    const a = uniqueName('alias-a');
    const b = uniqueName('alias-b');
    await es.indices.create({ index: a, aliases: { [`${a}-alias`]: {} } });
    await es.indices.create({ index: b });
    await expectEsError(es.indices.updateAliases({ actions: [{ add: { index: b, alias: a } }] }), {
      status: 400,
      type: 'invalid_alias_name_exception',
      reason: `Invalid alias name [${a}]: an index or data stream exists with the same name as the alias`,
    });
    await expectEsError(es.indices.create({ index: `${a}-alias` }), {
      status: 400,
      type: 'invalid_index_name_exception',
      reason: `Invalid index name [${a}-alias], already exists as alias`,
    });
    // Nothing of a refused request is applied.
    await expectEsError(
      es.indices.updateAliases({
        actions: [{ add: { index: b, alias: `${b}-x` } }, { add: { index: b, alias: a } }],
      }),
      { status: 400, type: 'invalid_alias_name_exception' },
    );
    expect(await es.indices.getAlias({ index: b })).toEqual({ [b]: { aliases: {} } });
    await es.indices.delete({ index: [a, b] });
  });

  test('one write index per alias; without one, a write through an alias of two indices is refused', async () => {
    const a = uniqueName('alias-w1');
    const b = uniqueName('alias-w2');
    const alias = uniqueName('alias-shared');
    await es.indices.create({ index: a, aliases: { [alias]: { is_write_index: true } } });
    await es.indices.create({ index: b });
    await expectEsError(
      es.indices.updateAliases({ actions: [{ add: { index: b, alias, is_write_index: true } }] }),
      // An IllegalStateException, which Elasticsearch answers with 500.
      {
        status: 500,
        type: 'illegal_state_exception',
        // Elasticsearch lists them in no set order.
        reason: new RegExp(
          `^alias \\[${alias}\\] has more than one write index \\[(${a},${b}|${b},${a})\\]$`,
        ),
      },
    );
    await es.indices.updateAliases({
      actions: [{ add: { index: b, alias } }, { remove: { index: a, alias } }, { add: { index: a, alias } }],
    });
    await expectEsError(es.index({ index: alias, document: { n: 1 } }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason:
        `no write index is defined for alias [${alias}]. The write index may be explicitly disabled using ` +
        'is_write_index=false or the alias points to multiple indices without one being designated as a write index',
    });
    await es.indices.delete({ index: [a, b] });
  });

  test('an index is deleted or removed by its own name, never through an alias', async () => {
    const name = uniqueName('alias-delete');
    await es.indices.create({ index: name, aliases: { [`${name}-al`]: {} } });
    const refusal = {
      status: 400,
      type: 'illegal_argument_exception',
      reason: `The provided expression [${name}-al] matches an alias, specify the corresponding concrete indices instead.`,
    };
    await expectEsError(es.indices.delete({ index: `${name}-al` }), refusal);
    await expectEsError(
      es.indices.updateAliases({ actions: [{ remove_index: { index: `${name}-al` } }] }),
      refusal,
    );
    // ignore_unavailable skips it: acknowledged, and nothing is deleted.
    expect(await es.indices.delete({ index: `${name}-al`, ignore_unavailable: true })).toEqual({
      acknowledged: true,
    });
    expect(await es.indices.exists({ index: name })).toBe(true);
    await es.indices.delete({ index: name });
  });

  test('missing indices and aliases are refused like Elasticsearch', async () => {
    const name = uniqueName('alias-missing');
    await expectEsError(es.indices.updateAliases({ actions: [{ remove_index: { index: name } }] }), {
      status: 404,
      type: 'index_not_found_exception',
      reason: `no such index [${name}]`,
    });
    await es.indices.create({ index: name });
    await expectEsError(
      es.indices.updateAliases({
        actions: [{ remove: { index: name, alias: `${name}-x`, must_exist: true } }],
      }),
      { status: 404, type: 'aliases_not_found_exception', reason: `aliases [${name}-x] missing` },
    );
    // Without must_exist too, when nothing was removed.
    await expectEsError(
      es.indices.updateAliases({ actions: [{ remove: { index: name, alias: `${name}-x` } }] }),
      { status: 404, type: 'aliases_not_found_exception', reason: `aliases [${name}-x] missing` },
    );
    await expectEsError(es.indices.updateAliases({ actions: [] }), {
      status: 400,
      type: 'illegal_argument_exception',
      reason: 'No action specified',
    });
    const missing = await es.indices.getAlias({ name: `${name}-x` }, { ignore: [404] });
    expect(missing).toEqual({ error: `alias [${name}-x] missing`, status: 404 });
    await es.indices.delete({ index: name });
  });
});
