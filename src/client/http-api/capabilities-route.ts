import { ACCESS } from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import { checkTimeValueParam, javaUrlDecode, stringArrayParam, strictBooleanParam } from './request-params';
import { acceptedQueryParams, routeFor, type Route } from './routes';

/** The methods Elasticsearch's `RestRequest.Method` knows; `method` must name one, in upper case. */
const REST_METHODS = new Set([
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'HEAD',
  'PATCH',
  'TRACE',
  'CONNECT',
]);

/** What `GET /_capabilities` asks about one endpoint. */
interface CapabilitiesQuestion {
  method: string;
  path: string;
  parameters: string[];
  capabilities: string[];
}

/**
 * Read in Elasticsearch's order (`local_only`, `path`, `timeout`, `method`), so the first bad parameter is
 * the one it names. `path` defaults to `/` (8.19.21 answers a missing `path` with a 500 null pointer).
 */
function readQuestion(query: URLSearchParams): CapabilitiesQuestion {
  // There is one node here, so both answers of `local_only` are the same; it is still validated.
  strictBooleanParam(query, 'local_only', false);
  const path = javaUrlDecode(query.get('path') ?? '/');
  checkTimeValueParam(query, 'timeout');
  const method = query.get('method') ?? 'GET';
  if (!REST_METHODS.has(method)) {
    throw new ElasticsearchApiError(
      400,
      'illegal_argument_exception',
      `No enum constant org.elasticsearch.rest.RestRequest.Method.${method}`,
    );
  }
  return {
    method,
    path,
    parameters: stringArrayParam(query, 'parameters'),
    capabilities: stringArrayParam(query, 'capabilities'),
  };
}

/**
 * Elasticsearch's check, per route: a route serves that method on that path, accepts every parameter
 * asked about, and declares every capability asked about. An unknown path or method is simply
 * unsupported, not an error.
 */
function isSupported(routes: readonly Route[], question: CapabilitiesQuestion): boolean {
  const match = routeFor(routes, question.method, question.path);
  if (match === undefined) return false;
  const params = acceptedQueryParams(match.route);
  const capabilities = new Set(match.route.capabilities ?? []);
  return (
    question.parameters.every((name) => params.has(name)) &&
    question.capabilities.every((name) => capabilities.has(name))
  );
}

/**
 * `GET /_capabilities`, answered from the route table this server serves (the one `table` returns, this
 * route included), so a client, or Elasticsearch's YAML test runner, can ask whether an endpoint exists
 * with some parameters and named features before it calls it. The answer has Elasticsearch's shape; this
 * API is the one node that answers, in the cluster whose name Elasticsearch reports.
 */
export function capabilitiesRoute(table: () => readonly Route[]): Route {
  return {
    method: 'GET',
    path: '/_capabilities',
    queryParams: ['timeout', 'method', 'path', 'parameters', 'capabilities', 'local_only'],
    readsBody: false,
    access: ACCESS.capabilities,
    prepare({ query, es }) {
      // Elasticsearch refuses parameters this handler does not declare before reading any, so the
      // values are read only once the server has checked the names.
      return async () => {
        const supported = isSupported(table(), readQuestion(query));
        const { cluster_name } = await es.info();
        return {
          status: 200,
          body: { _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name, supported },
        };
      };
    },
  };
}
