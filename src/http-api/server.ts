import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, type Client } from '@elastic/elasticsearch';
import { ElasticsearchApiError } from '../service/api-error';
import { ClusterUpgradeService } from '../service/cluster-upgrade-service';
import type { ReindexService } from '../service/reindex-service';
import type { ElasticsearchConnectionConfig } from '../config';
import { createElasticsearchClient } from '../elasticsearch/client';
import { elasticsearchErrorBody } from '../elasticsearch/errors';
import { PlainErrorAnswer, RequestTooLargeAnswer } from './answers';
import { capabilitiesRoute } from './capabilities-route';
import { clusterRoutes } from './cluster-routes';
import { clusterUpgradeRoutes } from './cluster-upgrade-routes';
import type { SecurityMode } from './index-privileges';
import { reindexRoutes } from './reindex-routes';
import { checkContentType, readRequestBody } from './request-body';
import { sendJson, sendTooLarge } from './respond';
import { booleanParam, checkQueryParams, checkUnreadBody, findRoute, type Route } from './routes';

export interface HttpApiOptions {
  service: ReindexService;
  /** The whole-cluster upgrade (`/_ds_reindex/cluster/...`). @default one built on `service` */
  clusterService?: ClusterUpgradeService;
  /** The cluster; its credentials serve callers that send none and the server's own reads. */
  esConfig: ElasticsearchConnectionConfig;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 9300 */
  port?: number;
  /** Larger bodies get Elasticsearch's 413. @default 1 MiB */
  maxBodyBytes?: number;
  /** Whether to check the caller's `manage` privilege. @default 'auto' (asks the cluster) */
  security?: SecurityMode;
  /** One line per request: method, path, status, milliseconds. Never headers, never bodies. */
  log?: (line: string, request?: RequestLogFields) => void;
  /** Answers requests outside Elasticsearch's API first (the health endpoints); returns whether it did. */
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

/**
 * Elasticsearch's reindex-data-stream endpoints over ds-reindex, with Elasticsearch's bodies, statuses and
 * error shapes, in Elasticsearch's order of checks: body size, content type, route and method, body,
 * query parameters; only then does anything run.
 */
export async function createHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const serverEs = createElasticsearchClient(options.esConfig);
  // One pool for callers' requests; each caller's `Authorization` rides on a child of it, so a
  // caller's credentials are used for that request only and never stored.
  const callerBase = createElasticsearchClient({
    ...options.esConfig,
    apiKey: undefined,
    username: undefined,
    password: undefined,
  });
  const routes: Route[] = [
    ...reindexRoutes(options.service, options.security ?? 'auto'),
    ...clusterRoutes(options.service, serverEs),
    ...clusterUpgradeRoutes(
      options.clusterService ?? new ClusterUpgradeService(options.service),
      options.security ?? 'auto',
    ),
  ];
  routes.push(capabilitiesRoute(() => routes));

  function clientFor(req: IncomingMessage): Client {
    const authorization = req.headers.authorization;
    return authorization ? callerBase.child({ headers: { authorization } }) : serverEs;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const uri = req.url ?? '/';
    const url = new URL(uri, 'http://localhost');
    const method = req.method ?? 'GET';
    const pretty = booleanParam(url.searchParams, 'pretty');
    try {
      const body = await readRequestBody(req, maxBodyBytes);
      checkContentType(req, body);
      const { route, params } = findRoute(routes, method, url.pathname, uri);
      const context = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        body,
        es: clientFor(req),
      };
      const execute = route.prepare(context);
      checkQueryParams(route, url.pathname, url.searchParams);
      checkUnreadBody(route, method, url.pathname, body);
      const answer = await execute();
      sendJson(req, res, answer.status, answer.body, { pretty });
      return answer.status;
    } catch (err) {
      if (err instanceof RequestTooLargeAnswer) {
        sendTooLarge(res);
        return 413;
      }
      if (err instanceof PlainErrorAnswer) {
        sendJson(req, res, err.status, err.toBody(), { pretty, headers: err.options.headers });
        return err.status;
      }
      if (err instanceof ElasticsearchApiError) {
        sendJson(req, res, err.status, err.toBody(), { pretty });
        return err.status;
      }
      const { status, body } = unexpectedErrorBody(err);
      options.log?.(
        `error answering ${method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`,
      );
      sendJson(req, res, status, body, { pretty });
      return status;
    }
  }

  const server = createServer((req, res) => {
    if (options.beforeRoutes?.(req, res)) return;
    const started = Date.now();
    handle(req, res)
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9300, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([serverEs.close(), callerBase.close()]);
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
      await Promise.all([serverEs.close(), callerBase.close()]);
    },
  };
}
