import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConnectionConfig } from '../config';

/** How a process uses its client; the worker and the clients retry differently. */
export interface ClientUse {
  /**
   * Whether a request that finds its node gone is tried once more on each other node. Only for callers
   * whose requests are safe to send twice (the HTTP API and the CLI read, and write settings); the
   * worker's activities own their retries, since a `_reindex` sent twice would start two copies.
   * @default false
   */
  retryOnOtherNodes?: boolean;
}

/**
 * The one place an Elasticsearch client is built from configuration. Credentials come from the
 * process environment (via `loadConfig`) and stay inside the client: they are never logged and never
 * passed to a workflow. With several nodes (`ES_URLS`, or sniffing) a request goes to one of them, and a
 * node that fails is left out until it answers again.
 */
export function createElasticsearchClient(
  config: ElasticsearchConnectionConfig,
  use: ClientUse = {},
): Client {
  const nodes = config.urls && config.urls.length > 0 ? [...config.urls] : [config.url];
  const sniffing = (config.sniffIntervalMs ?? 0) > 0;
  const options: ClientOptions = {
    nodes,
    requestTimeout: config.requestTimeoutMs,
    // Activities own retrying (Temporal retry policies with backoff); a transport retry would double
    // their attempts, and send a `_reindex` twice.
    maxRetries: use.retryOnOtherNodes ? Math.max(nodes.length - 1, sniffing ? 2 : 0) : 0,
    ...(sniffing
      ? { sniffOnStart: true, sniffInterval: config.sniffIntervalMs, sniffOnConnectionFault: true }
      : {}),
  };
  if (config.apiKey) options.auth = { apiKey: config.apiKey };
  else if (config.username && config.password)
    options.auth = { username: config.username, password: config.password };
  if (config.caFile) options.tls = { ca: readFileSync(config.caFile) };
  return new Client(options);
}

/** How long past its own server-side wait a waiting request may take to answer before the client gives up. */
const SERVER_WAIT_ANSWER_MARGIN_MS = 5_000;

/**
 * The client-side timeout for a request that waits `waitMs` on the server (a task's end, an index's
 * health): whatever `ES_REQUEST_TIMEOUT_MS` says, the answer at the end of the wait is not cut off.
 */
export function requestTimeoutForServerWait(waitMs: number): number {
  return waitMs + SERVER_WAIT_ANSWER_MARGIN_MS;
}

/** The header Elasticsearch copies into its task list, slow logs and deprecation logs. */
export const OPAQUE_ID_HEADER = 'x-opaque-id';

/**
 * A client that sends `X-Opaque-Id: <opaqueId>` with every request, so `GET _tasks?detailed`, the slow
 * logs and the deprecation logs say whose request it was. It shares `es`'s connections (a child client);
 * it sniffs only on the interval and on a fault, as `es` does, not again on its start.
 */
export function clientNamed(es: Client, opaqueId: string): Client {
  return es.child({ headers: { [OPAQUE_ID_HEADER]: opaqueId }, sniffOnStart: false });
}
