import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConnectionConfig } from '../config';
import { authenticate } from '../elasticsearch/security';
import { describeCredentials } from '../elasticsearch/upgrade-privileges';
import { describeElasticsearchFailure } from '../observability/elasticsearch-diagnosis';

/** Whether the worker's Elasticsearch answers and takes its credentials, in one line either way. */
export type ElasticsearchCheck = { ok: true; line: string } | { ok: false; line: string };

/**
 * Asks Elasticsearch, with the worker's own client, whether it is reachable (TLS included) and accepts
 * the worker's credentials. A failure is one line that says what to change, never a stack trace: a CA
 * that did not sign the node's certificate, a host name the certificate does not list, refused
 * credentials, an unreachable node.
 */
export async function checkElasticsearch(
  es: Client,
  config: ElasticsearchConnectionConfig,
): Promise<ElasticsearchCheck> {
  try {
    const { securityEnabled } = await authenticate(es);
    const who = securityEnabled ? `as ${await describeCredentials(es)}` : 'with security off';
    return { ok: true, line: `Elasticsearch at ${config.url} answers, ${who}` };
  } catch (err) {
    return { ok: false, line: describeElasticsearchFailure(config, err) };
  }
}
