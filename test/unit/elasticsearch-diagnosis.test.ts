import { errors } from '@elastic/elasticsearch';
import { describeElasticsearchFailure } from '../../src/observability/elasticsearch-diagnosis';

const https = { url: 'https://es-1:9200', requestTimeoutMs: 1000 };
const connectionError = (message: string) => new errors.ConnectionError(message);

describe('one line for a failure to reach Elasticsearch', () => {
  it('says what to change for the TLS failures Node reports', () => {
    expect(
      describeElasticsearchFailure(https, connectionError('unable to verify the first certificate')),
    ).toBe(
      "Elasticsearch at https://es-1:9200: TLS: the node's certificate is signed by a CA this process does not trust " +
        "(unable to verify the first certificate); set ES_CA_FILE to the cluster's CA certificate (PEM)",
    );
    expect(
      describeElasticsearchFailure(
        { ...https, caFile: '/etc/es/ca.crt' },
        connectionError('self-signed certificate in certificate chain'),
      ),
    ).toBe(
      "Elasticsearch at https://es-1:9200: TLS: the node's certificate is not signed by the CA in ES_CA_FILE " +
        '(/etc/es/ca.crt): self-signed certificate in certificate chain',
    );
    expect(
      describeElasticsearchFailure(
        https,
        connectionError(
          "Hostname/IP does not match certificate's altnames: Host: es-1. is not in the cert's altnames: DNS:localhost",
        ),
      ),
    ).toMatch(
      /^Elasticsearch at https:\/\/es-1:9200: TLS: the node's certificate is not for the host name in the URL/,
    );
  });

  it('tells a plain http URL for an HTTPS node, refused credentials and anything else apart', () => {
    expect(
      describeElasticsearchFailure(
        { ...https, url: 'http://es-1:9200' },
        connectionError('other side closed'),
      ),
    ).toBe(
      'Elasticsearch at http://es-1:9200: the node closed the connection (other side closed): does it serve HTTPS? Then use https:// in ES_URL',
    );
    expect(describeElasticsearchFailure(https, connectionError('connect ECONNREFUSED 10.0.0.1:9200'))).toBe(
      'Elasticsearch at https://es-1:9200 is unreachable: connect ECONNREFUSED 10.0.0.1:9200',
    );
    const refused = new errors.ResponseError({
      body: { error: { type: 'security_exception', reason: 'unable to authenticate user [w]' }, status: 401 },
      statusCode: 401,
      headers: {},
      warnings: null,
      meta: {} as never,
    });
    expect(describeElasticsearchFailure(https, refused)).toMatch(
      /^Elasticsearch at https:\/\/es-1:9200 refused the credentials of this process \(401: .*\); set ES_API_KEY/,
    );
  });
});
