import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, type Client } from '@elastic/elasticsearch';
import {
  AuthenticationError,
  authenticateCaller,
  namesAllowed,
  requireClusterPrivilege,
  requireIndexPrivilege,
} from '../service/access';
import { ElasticsearchApiError } from '../service/api-error';
import { ClusterUpgradeService } from '../service/cluster-upgrade-service';
import type { ReindexService } from '../service/reindex-service';
import type { ElasticsearchConnectionConfig } from '../../config';
import { createElasticsearchClient } from '../../elasticsearch/client';
import { elasticsearchErrorBody } from '../../elasticsearch/errors';
import { requestRouted, traceRequest } from '../../observability/request-span';
import { PlainErrorAnswer, RequestTooLargeAnswer } from './answers';
import { capabilitiesRoute } from './capabilities-route';
import { clusterRoutes } from './cluster-routes';
import { readinessRoutes } from './readiness-routes';
import { clusterUpgradeRoutes } from './cluster-upgrade-routes';
import { openApiRoute } from './openapi';
import { reindexRoutes } from './reindex-routes';
import { errorText, PLAIN_PARAMS, readCommonParams, successText, type CommonParams } from './common-params';
import { checkContentType, readRequestBody } from './request-body';
import { sendJson, sendTooLarge } from './respond';
import {
  checkQueryParams,
  checkUnreadBody,
  findRoute,
  type RequestContext,
  type Route,
  type RouteAnswer,
} from './routes';

export interface HttpApiOptions {
  service: ReindexService;
  /** The whole-cluster upgrade (`/_ds_reindex/cluster/...`). @default one built on `service` */
  clusterService?: ClusterUpgradeService;
  /**
   * Where the cluster is and how to trust it. Any credentials in it are ignored: every request goes to
   * Elasticsearch with its caller's own `Authorization`, or with none.
   */
  esConfig: ElasticsearchConnectionConfig;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 9300 */
  port?: number;
  /** Larger bodies get Elasticsearch's 413. @default 1 MiB */
  maxBodyBytes?: number;
  /** One line per request: method, path, status, milliseconds. Never headers, never bodies. */
  log?: (line: string, request?: RequestLogFields) => void;
  /**
   * Answers requests outside Elasticsearch's API first, without authentication (the health endpoints,
   * which tell nothing about the cluster); returns whether it did.
   */
  beforeRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** The request line's parts, for structured logs. */
export interface RequestLogFields {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

export interface HttpApi {
  url: string;
  close(): Promise<void>;
  /**
   * Stops accepting connections, lets the requests in flight finish (for up to `timeoutMs`, then cuts
   * them), then closes: what a SIGTERM does.
   */
  drain(timeoutMs: number): Promise<void>;
}

/** Errors that are not an answer of Elasticsearch's REST layer: Elasticsearch's generic 500 shape. */
function unexpectedErrorBody(err: unknown): { status: number; body: unknown } {
  if (err instanceof errors.ResponseError) {
    // The cluster answered (401, 403, 429, ...): pass its own answer through.
    const status = err.statusCode ?? 500;
    const body: unknown = err.body;
    return {
      status,
      body: typeof body === 'object' && body !== null ? body : { error: String(body), status },
    };
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) {
    return {
      status: 502,
      body: elasticsearchErrorBody(502, 'exception', `Elasticsearch is unreachable: ${err.message}`),
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: elasticsearchErrorBody(500, 'exception', message) };
}

/** Errors that are an answer by design, not a failure worth a log line. */
function isAnswer(err: unknown): boolean {
  return (
    err instanceof RequestTooLargeAnswer ||
    err instanceof PlainErrorAnswer ||
    err instanceof AuthenticationError ||
    err instanceof ElasticsearchApiError
  );
}

/** A failure as Elasticsearch answers it: its status, body and headers (none for the empty 413). */
function errorAnswer(err: unknown): {
  status: number;
  body?: unknown;
  headers?: Record<string, string | readonly string[]>;
} {
  if (err instanceof RequestTooLargeAnswer) return { status: 413 };
  if (err instanceof PlainErrorAnswer) {
    return { status: err.status, body: err.toBody(), headers: err.options.headers };
  }
  if (err instanceof AuthenticationError) {
    return { status: err.status, body: err.toBody(), headers: { 'WWW-Authenticate': err.challenges } };
  }
  if (err instanceof ElasticsearchApiError) return { status: err.status, body: err.toBody() };
  return unexpectedErrorBody(err);
}

/** Answers a failure in Elasticsearch's shape, with the common parameters; returns the status sent. */
function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  params: CommonParams,
  log: HttpApiOptions['log'],
): number {
  const { status, body, headers } = errorAnswer(err);
  if (body === undefined) {
    sendTooLarge(res);
    return status;
  }
  if (!isAnswer(err)) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    log?.(
      `error answering ${req.method ?? 'GET'} ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  sendJson(req, res, status, errorText(body, params, err), headers);
  return status;
}

/** Every route the API serves, Elasticsearch's and ds-reindex's own; tests read the table from here. */
export function apiRoutes(service: ReindexService, clusterService?: ClusterUpgradeService): Route[] {
  const routes: Route[] = [
    ...reindexRoutes(service),
    ...clusterRoutes(service),
    ...clusterUpgradeRoutes(clusterService ?? new ClusterUpgradeService(service)),
    ...readinessRoutes(),
  ];
  routes.push(
    capabilitiesRoute(() => routes),
    openApiRoute(() => routes),
  );
  return routes;
}

/** What a route sees of its request, with the caller's access checks bound to the route's needs. */
function requestContext(
  route: Route,
  request: Omit<RequestContext, 'requireIndices' | 'allowedIndices'>,
): RequestContext {
  const { es, caller } = request;
  return {
    ...request,
    requireIndices: (names) => requireIndexPrivilege(es, caller, route.access, names),
    allowedIndices: (names) => namesAllowed(es, caller, route.access, names),
  };
}

/**
 * Answers one request, in Elasticsearch's order of checks: body size; authentication (before anything
 * else, as Elasticsearch does, even for a path that does not exist); content type, route and method,
 * body, query parameters; the route's cluster privilege; only then does anything run, and the route
 * checks its index privilege first.
 */
function requestAnswerer(routes: readonly Route[], callerBase: Client, maxBodyBytes: number) {
  function clientFor(req: IncomingMessage): Client {
    const authorization = req.headers.authorization;
    return authorization ? callerBase.child({ headers: { authorization } }) : callerBase;
  }
  return async (req: IncomingMessage, uri: string): Promise<RouteAnswer> => {
    const url = new URL(uri, 'http://localhost');
    const method = req.method ?? 'GET';
    const body = await readRequestBody(req, maxBodyBytes);
    const es = clientFor(req);
    const caller = await authenticateCaller(es, uri);
    checkContentType(req, body);
    const { route, params } = findRoute(routes, method, url.pathname, uri);
    requestRouted(method, route.path);
    const context = requestContext(route, {
      method,
      path: url.pathname,
      params,
      query: url.searchParams,
      body,
      es,
      caller,
    });
    const execute = route.prepare(context);
    checkQueryParams(route, url.pathname, url.searchParams);
    checkUnreadBody(route, method, url.pathname, body);
    await requireClusterPrivilege(es, caller, route.access);
    return execute();
  };
}

/** Listens, and gives the API's handle: its URL, a close, and a drain for SIGTERM. */
async function listen(
  server: Server,
  port: number,
  host: string,
  release: () => Promise<void>,
): Promise<HttpApi> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
    async drain(timeoutMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections stay open after their response; close each as soon as it is idle.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs))),
      ]);
      clearInterval(closeIdle);
      clearTimeout(deadline);
      server.closeAllConnections();
      await closed;
      await release();
    },
  };
}

/**
 * Elasticsearch's reindex-data-stream endpoints over ds-reindex, with Elasticsearch's bodies, statuses and
 * error shapes and its order of checks (`requestAnswerer`).
 *
 * Every request reaches Elasticsearch with its caller's own `Authorization`, or with none: the API lends
 * no credentials of its own, so with security on a caller without credentials gets Elasticsearch's 401.
 */
export async function createHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  // One pool for every caller; each caller's `Authorization` rides on a child of it, for that request
  // only, and is never stored.
  const callerBase = createElasticsearchClient(
    { ...options.esConfig, apiKey: undefined, username: undefined, password: undefined },
    { retryOnOtherNodes: true },
  );
  const answer = requestAnswerer(
    apiRoutes(options.service, options.clusterService),
    callerBase,
    options.maxBodyBytes ?? 1024 * 1024,
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const uri = req.url ?? '/';
    // Read first, so every answer below, an error or not, is written the way the caller asked.
    let params = PLAIN_PARAMS;
    try {
      params = readCommonParams(new URL(uri, 'http://localhost').searchParams);
      const { status, body } = await answer(req, uri);
      sendJson(req, res, status, successText(body, params));
      return status;
    } catch (err) {
      return sendError(req, res, err, params, options.log);
    }
  }

  const server = createServer((req, res) => {
    if (options.beforeRoutes?.(req, res)) return;
    const started = Date.now();
    traceRequest(req, () => handle(req, res))
      .then((status) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        const durationMs = Date.now() - started;
        options.log?.(`${req.method} ${path} ${status} ${durationMs}ms`, {
          method: req.method ?? 'GET',
          path,
          status,
          durationMs,
        });
      })
      .catch((err: unknown) => {
        options.log?.(`failed to answer: ${err instanceof Error ? err.message : String(err)}`);
        res.destroy();
      });
  });
  return listen(server, options.port ?? 9300, options.host ?? '127.0.0.1', () => callerBase.close());
}
