import { errors } from '@elastic/elasticsearch';
import type { ElasticsearchConnectionConfig } from '../config';

/** A known failure to reach Elasticsearch, and what the operator should change. */
interface KnownFailure {
  matches: (message: string) => boolean;
  explain: (config: ElasticsearchConnectionConfig, message: string) => string;
}

const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    // Node's TLS stack: the chain ends in a CA this process does not trust.
    matches: (message) =>
      /unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer certificate/i.test(
        message,
      ),
    explain: (config, message) =>
      config.caFile
        ? `TLS: the node's certificate is not signed by the CA in ES_CA_FILE (${config.caFile}): ${message}`
        : `TLS: the node's certificate is signed by a CA this process does not trust (${message}); set ES_CA_FILE to the cluster's CA certificate (PEM)`,
  },
  {
    matches: (message) => /does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i.test(message),
    explain: (_config, message) =>
      `TLS: the node's certificate is not for the host name in the URL (${message}); use a name the certificate lists`,
  },
  {
    matches: (message) => /certificate has expired|CERT_HAS_EXPIRED/i.test(message),
    explain: (_config, message) => `TLS: the node's certificate has expired (${message})`,
  },
  {
    // A plain HTTP request to a node that serves HTTPS: the node closes the connection.
    matches: (message) => /other side closed|socket hang up/i.test(message),
    explain: (config, message) =>
      config.url.startsWith('http:')
        ? `the node closed the connection (${message}): does it serve HTTPS? Then use https:// in ES_URL`
        : `the node closed the connection (${message})`,
  },
];

/**
 * One line that says why Elasticsearch could not be reached or refused this process, and what to change,
 * for logs and `/readyz`: no stack trace. The credentials are never part of it.
 */
export function describeElasticsearchFailure(config: ElasticsearchConnectionConfig, err: unknown): string {
  const where = `Elasticsearch at ${config.url}`;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof errors.ResponseError) {
    if (err.statusCode === 401) {
      return `${where} refused the credentials of this process (401: ${message}); set ES_API_KEY, or ES_USERNAME and ES_PASSWORD`;
    }
    return `${where} answered ${err.statusCode ?? '?'}: ${message}`;
  }
  const known = KNOWN_FAILURES.find((failure) => failure.matches(message));
  if (known) return `${where}: ${known.explain(config, message)}`;
  return `${where} is unreachable: ${message}`;
}
