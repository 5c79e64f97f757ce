import type { Client } from '@elastic/elasticsearch';
import type { Access, Caller } from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import { PlainErrorAnswer } from './answers';
import { COMMON_QUERY_PARAMS } from './common-params';

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** What a route sees of a request: path parameters decoded, the body still raw. */
export interface RequestContext {
  method: string;
  path: string;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: Buffer;
  /** Elasticsearch as the caller: their own `Authorization` header, or none; never the API's own. */
  es: Client;
  /** The caller as Elasticsearch authenticated them (anyone, when security is off). */
  caller: Caller;
  /** Throws Elasticsearch's 403 unless the caller holds the route's index privilege on every name. */
  requireIndices: (names: readonly string[]) => Promise<void>;
  /** Which of `names` the caller holds the route's index privilege on. */
  allowedIndices: (names: readonly string[]) => Promise<Set<string>>;
}

export interface RouteAnswer {
  status: number;
  body: unknown;
}

/**
 * Like Elasticsearch's REST handlers, a route first prepares (reads its body and parameters, changing
 * nothing) and only then executes; anything wrong with the request is refused before a workflow starts.
 */
export interface Route {
  method: HttpMethod;
  /** `/_migration/reindex/{dataStream}/_status`: `{name}` segments are parameters. */
  path: string;
  /** Query parameters the route reads, besides the ones every route accepts. */
  queryParams?: readonly string[];
  /**
   * Named features of this route that clients may ask `GET /_capabilities` about, as Elasticsearch's
   * REST handlers declare them (`migration_reindex` on the start route).
   */
  capabilities?: readonly string[];
  /** Whether the route reads a body; a body sent to a route that does not is refused. */
  readsBody: boolean;
  /**
   * What the caller needs. The server authenticates every request and checks `cluster` before the route
   * runs; the route checks `index` on the names it acts on, through `requireIndices`.
   */
  access: Access;
  prepare(context: RequestContext): () => Promise<RouteAnswer>;
}

/**
 * A path's segments the way Elasticsearch's route table reads them: one leading and any trailing `/` are
 * dropped, and an empty segment inside (`/_cluster//settings`) matches nothing.
 */
function pathSegments(path: string): string[] {
  const trimmed = path.replace(/^\//, '').replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const wanted = pathSegments(template);
  const actual = pathSegments(path);
  if (wanted.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of wanted.entries()) {
    const value = actual[i];
    if (value === '') return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (segment !== value) {
      return undefined;
    }
  }
  return params;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Every route on this path, with its parameters, in table order. */
function routesOnPath(routes: readonly Route[], path: string): RouteMatch[] {
  return routes
    .map((route) => ({ route, params: matchPath(route.path, path) }))
    .filter((candidate): candidate is RouteMatch => candidate.params !== undefined);
}

/** The route that serves `method` on `path`, if there is one. */
export function routeFor(routes: readonly Route[], method: string, path: string): RouteMatch | undefined {
  return routesOnPath(routes, path).find((candidate) => candidate.route.method === method);
}

/**
 * Finds the route for a request, or Elasticsearch's answers when there is none: 405 with the allowed
 * methods when the path exists, 400 `no handler found` when it does not.
 */
export function findRoute(routes: readonly Route[], method: string, path: string, uri: string): RouteMatch {
  const onPath = routesOnPath(routes, path);
  const match = onPath.find((candidate) => candidate.route.method === method);
  if (match) return match;
  if (onPath.length === 0) {
    throw new PlainErrorAnswer(400, `no handler found for uri [${uri}] and method [${method}]`, {
      includeStatus: false,
    });
  }
  const allowed = [...new Set(onPath.map((candidate) => candidate.route.method))];
  throw new PlainErrorAnswer(
    405,
    `Incorrect HTTP method for uri [${uri}] and method [${method}], allowed: [${allowed.join(', ')}]`,
    { includeStatus: true, headers: { Allow: allowed.join(',') } },
  );
}

/** The query parameters a route accepts: its own and the ones every route accepts. */
export function acceptedQueryParams(route: Route): ReadonlySet<string> {
  return new Set([...COMMON_QUERY_PARAMS, ...(route.queryParams ?? [])]);
}

/** Elasticsearch refuses parameters a handler does not read, after the handler has prepared. */
export function checkQueryParams(route: Route, path: string, query: URLSearchParams): void {
  const known = acceptedQueryParams(route);
  const unknown = [...new Set(query.keys())].filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const listed = unknown.map((name) => `[${name}]`).join(', ');
  throw new ElasticsearchApiError(
    400,
    'illegal_argument_exception',
    `request [${path}] contains unrecognized parameter${unknown.length > 1 ? 's' : ''}: ${listed}`,
  );
}

/** And a body sent to an endpoint that takes none. */
export function checkUnreadBody(route: Route, method: string, path: string, body: Buffer): void {
  if (route.readsBody || body.length === 0) return;
  throw new ElasticsearchApiError(
    400,
    'illegal_argument_exception',
    `request [${method} ${path}] does not support having a body`,
  );
}

/** `?human`, `?pretty`: present without a value, or any value other than `false`, means on. */
export function booleanParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== 'false';
}
