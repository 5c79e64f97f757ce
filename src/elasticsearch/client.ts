import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConnectionConfig } from '../config';

/**
 * The one place an Elasticsearch client is built from configuration. Credentials come from the
 * process environment (via `loadConfig`) and stay inside the client: they are never logged and never
 * passed to a workflow.
 */
export function createElasticsearchClient(config: ElasticsearchConnectionConfig): Client {
  const options: ClientOptions = {
    node: config.url,
    requestTimeout: config.requestTimeoutMs,
    // Activities own retrying (Temporal retry policies with backoff); a transport retry would hide
    // 429s from the throttling logic and double the attempts.
    maxRetries: 0,
  };
  if (config.apiKey) options.auth = { apiKey: config.apiKey };
  else if (config.username && config.password)
    options.auth = { username: config.username, password: config.password };
  if (config.caFile) options.tls = { ca: readFileSync(config.caFile) };
  return new Client(options);
}
