import { EsError, illegalArgument, resourceNotFound } from '../http/errors';
import { isObject, jsonBody, ok, type JsonObject } from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState, IndexTemplate } from '../state/cluster-state';
import { normalizeIndexSettings, nestSettings, type FlatSettings } from '../state/settings';
import { wildcardToRegExp } from '../state/resolve';

function overlaps(a: string, b: string): boolean {
  return a === b || wildcardToRegExp(a).test(b) || wildcardToRegExp(b).test(a);
}

/** The body ES stores: settings normalised and nested under `index`. */
function parseTemplate(name: string, body: JsonObject): IndexTemplate {
  const rawPatterns = body.index_patterns;
  const patterns =
    typeof rawPatterns === 'string'
      ? [rawPatterns]
      : Array.isArray(rawPatterns)
        ? rawPatterns.map(String)
        : [];
  if (patterns.length === 0) {
    throw new EsError(
      400,
      'action_request_validation_exception',
      'Validation Failed: 1: index patterns are missing;',
    );
  }
  const template: JsonObject = isObject(body.template) ? structuredClone(body.template) : {};
  if (isObject(template.settings)) {
    const flat = Object.fromEntries(
      Object.entries(normalizeIndexSettings(template.settings)).filter(([, v]) => v !== null),
    ) as FlatSettings;
    template.settings = nestSettings(flat);
  }
  const result: IndexTemplate = {
    name,
    indexPatterns: patterns,
    priority: typeof body.priority === 'number' ? body.priority : 0,
    template,
    composedOf: Array.isArray(body.composed_of) ? body.composed_of.map(String) : [],
  };
  if (isObject(body.data_stream)) {
    result.dataStream = {
      hidden: body.data_stream.hidden === true,
      allow_custom_routing: body.data_stream.allow_custom_routing === true,
    };
  }
  if (typeof body.version === 'number') result.version = body.version;
  if (isObject(body._meta)) result.meta = body._meta;
  return result;
}

export function renderTemplate(t: IndexTemplate): JsonObject {
  const body: JsonObject = { index_patterns: t.indexPatterns };
  if (Object.keys(t.template).length > 0) body.template = t.template;
  body.composed_of = t.composedOf;
  body.priority = t.priority;
  if (t.version !== undefined) body.version = t.version;
  if (t.meta) body._meta = t.meta;
  if (t.dataStream) body.data_stream = t.dataStream;
  return { name: t.name, index_template: body };
}

export function putTemplate(state: ClusterState, name: string, body: JsonObject): void {
  const template = parseTemplate(name, body);
  const clashes = [...state.templates.values()].filter(
    (t) =>
      t.name !== name &&
      t.priority === template.priority &&
      t.indexPatterns.some((p) => template.indexPatterns.some((q) => overlaps(p, q))),
  );
  if (clashes.length > 0) {
    throw illegalArgument(
      `index template [${name}] has index patterns [${template.indexPatterns.join(', ')}] matching patterns from existing templates [${clashes
        .map((t) => t.name)
        .join(
          ', ',
        )}] with patterns (${clashes.map((t) => `${t.name} => [${t.indexPatterns.join(', ')}]`).join(',')}) that have the same priority [${template.priority}], multiple index templates may not match during index creation, please use a different priority`,
    );
  }
  state.templates.set(name, template);
  state.changed();
}

export function registerTemplates(router: Router, state: ClusterState): void {
  router
    .add(['PUT', 'POST'], '/_index_template/{name}', (req) => {
      const name = req.params.name ?? '';
      if (req.query.get('create') === 'true' && state.templates.has(name)) {
        throw illegalArgument(`index template [${name}] already exists`);
      }
      putTemplate(state, name, jsonBody(req, true) as JsonObject);
      return ok({ acknowledged: true });
    })
    .add('GET', '/_index_template', () =>
      ok({ index_templates: [...state.templates.values()].map(renderTemplate) }),
    )
    .add(['GET', 'HEAD'], '/_index_template/{name}', (req) => {
      const name = req.params.name ?? '';
      const re = wildcardToRegExp(name);
      const found = [...state.templates.values()].filter((t) =>
        name.includes('*') ? re.test(t.name) : t.name === name,
      );
      if (req.method === 'HEAD') return { status: found.length > 0 ? 200 : 404 };
      if (found.length === 0 && !name.includes('*'))
        throw resourceNotFound(`index template matching [${name}] not found`);
      return ok({ index_templates: found.map(renderTemplate) });
    })
    .add('DELETE', '/_index_template/{name}', (req) => {
      const names = (req.params.name ?? '').split(',');
      for (const name of names) {
        if (!state.templates.has(name))
          throw new EsError(404, 'index_template_missing_exception', `index_template [${name}] missing`);
        const users = [...state.dataStreams.values()]
          .filter((ds) => ds.template === name)
          .map((ds) => ds.name);
        if (users.length > 0) {
          throw illegalArgument(
            `unable to remove composable templates [${name}] as they are in use by a data streams [${users.join(', ')}]`,
          );
        }
      }
      for (const name of names) state.templates.delete(name);
      state.changed();
      return ok({ acknowledged: true });
    });
}
