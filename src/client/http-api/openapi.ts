import type { Access } from '../service/access';
import { COMMON_QUERY_PARAMS } from './common-params';
import { QUERY_PARAMETERS, ROUTE_DESCRIPTIONS, SCHEMAS, type JsonSchema } from './openapi-descriptions';
import type { Route } from './routes';

/**
 * The OpenAPI 3.1 document of the HTTP API, built from the router's own table and the typed descriptions
 * beside it, so it cannot describe a route that is not served, nor miss one that is. Served at
 * `OPENAPI_PATH`; `docs/openapi.json` is a copy a test keeps equal to it.
 */
export const OPENAPI_PATH = '/_ds_reindex/openapi.json';

/** ds-reindex's version (the build cannot read package.json, outside `src`; a test keeps them equal). */
export const API_VERSION = '0.1.0';

/** Anyone Elasticsearch authenticates may read the contract. */
const OPENAPI_ACCESS: Access = { action: 'cluster:monitor/ds_reindex/openapi' };

/** The router's name of a route, and the descriptions' key. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

const COMMON_PARAMETERS: Record<
  (typeof COMMON_QUERY_PARAMS)[number],
  { description: string; schema: JsonSchema }
> = {
  pretty: {
    description: "Indented JSON, as Elasticsearch's pretty printer writes it.",
    schema: { type: 'boolean' },
  },
  human: {
    description:
      'Adds readable twins before `_millis` (ISO 8601), `_in_millis` (`1.2s`) and `_in_bytes` (`1.5kb`) fields.',
    schema: { type: 'boolean' },
  },
  error_trace: {
    description: 'Error bodies gain `stack_trace`; without it they have none.',
    schema: { type: 'boolean' },
  },
  filter_path: {
    description:
      'Comma-separated paths to keep (`*` within a key, `**` across keys, `-` to exclude); arrays are looked through; `{}` when nothing is left. Error bodies are not filtered, as in Elasticsearch.',
    schema: { type: 'string' },
  },
};

function pathParameters(path: string): object[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: 'The data stream: one concrete name (no wildcard, no `_all`).',
    schema: { type: 'string' },
  }));
}

function queryParameters(route: Route): object[] {
  return (route.queryParams ?? []).map((name) => {
    const described = QUERY_PARAMETERS[name];
    if (described === undefined)
      throw new Error(`no description for query parameter ${name} of ${routeKey(route)}`);
    return { name, in: 'query', required: false, ...described };
  });
}

function operation(route: Route): object {
  const described = ROUTE_DESCRIPTIONS[routeKey(route)];
  if (described === undefined) throw new Error(`no OpenAPI description for route ${routeKey(route)}`);
  const parameters = [
    ...pathParameters(route.path),
    ...queryParameters(route),
    ...COMMON_QUERY_PARAMS.map((name) => ({ $ref: `#/components/parameters/${name}` })),
  ];
  const body = route.readsBody ? described.requestBody : undefined;
  return {
    tags: [described.tag],
    summary: described.summary,
    description: described.description,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    parameters,
    ...(body
      ? { requestBody: { required: body.required, content: { 'application/json': { schema: body.schema } } } }
      : {}),
    responses: {
      '200': { description: 'Success.', content: { 'application/json': { schema: described.response } } },
      default: { $ref: '#/components/responses/Error' },
    },
  };
}

/** The document for `routes`; throws when a route has no description or a description no route. */
export function openApiDocument(routes: readonly Route[], version = API_VERSION): Record<string, unknown> {
  const keys = new Set(routes.map(routeKey));
  const orphans = Object.keys(ROUTE_DESCRIPTIONS).filter((key) => !keys.has(key));
  if (orphans.length > 0) throw new Error(`OpenAPI descriptions without a route: ${orphans.join(', ')}`);
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ds-reindex HTTP API',
      version,
      description:
        "Elasticsearch's reindex data stream API as a durable Temporal application, with Elasticsearch's bodies, statuses and errors, and ds-reindex's own endpoints under `/_ds_reindex/`. Every answer carries `X-Elastic-Product: Elasticsearch`.",
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    tags: [
      { name: 'elasticsearch', description: "Elasticsearch's endpoints, with its paths, bodies and errors." },
      { name: 'ds-reindex', description: "ds-reindex's own endpoints." },
    ],
    security: [{ basic: [] }, { apiKey: [] }, {}],
    paths,
    components: {
      parameters: Object.fromEntries(
        COMMON_QUERY_PARAMS.map((name) => [
          name,
          { name, in: 'query', required: false, ...COMMON_PARAMETERS[name] },
        ]),
      ),
      schemas: SCHEMAS,
      responses: {
        Error: {
          description: "Elasticsearch's error shape (400, 401, 403, 404, 405, 409, 500, 502).",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ElasticsearchError' } } },
        },
      },
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: "The caller's own Elasticsearch user." },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: '`ApiKey <encoded>`, an Elasticsearch API key.',
        },
      },
    },
  };
}

/** `GET /_ds_reindex/openapi.json`: the document of the table `table` returns, this route included. */
export function openApiRoute(table: () => readonly Route[]): Route {
  return {
    method: 'GET',
    path: OPENAPI_PATH,
    readsBody: false,
    access: OPENAPI_ACCESS,
    prepare() {
      return () => Promise.resolve({ status: 200, body: openApiDocument(table()) });
    },
  };
}
