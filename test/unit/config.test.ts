import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, temporalConnectionOptions } from '../../src/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.elasticsearch.url).toBe('http://localhost:9200');
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'ds-reindex',
      tls: false,
      apiKey: undefined,
      grpcMetadata: {},
      description: 'localhost:7233 (plaintext)',
    });
    expect(config.worker.reindexPollIntervalMs).toBe(2000);
    expect(config.logLevel).toBe('INFO');
    expect(config.workerProcess).toEqual({
      httpHost: '127.0.0.1',
      httpPort: undefined,
      sdkMetricsPort: 9465,
      shutdownGraceMs: 10_000,
      shutdownForceMs: 30_000,
      statusMetricsIntervalMs: 15_000,
    });
    expect(config.httpApi.shutdownDrainMs).toBe(10_000);
  });

  it('refuses values that are not what their names promise', () => {
    expect(() => loadConfig({ REINDEX_POLL_INTERVAL_MS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_API_PORT: '-1' })).toThrow(
      'HTTP_API_PORT must be a port number from 0 (any free port) to 65535, got [-1]',
    );
    expect(loadConfig({ HTTP_API_PORT: '0' }).httpApi.port).toBe(0);
    expect(() => loadConfig({ ES_USERNAME: 'elastic' })).toThrow(
      'ES_USERNAME and ES_PASSWORD must be set together',
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      'LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, got [loud]',
    );
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('DEBUG');
    expect(loadConfig({ WORKER_HTTP_PORT: '0' }).workerProcess.httpPort).toBe(0);
    expect(() => loadConfig({ WORKER_SDK_METRICS_PORT: '0' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '20000', WORKER_SHUTDOWN_FORCE_MS: '15000' }),
    ).toThrow('WORKER_SHUTDOWN_FORCE_MS (15000) must be longer than WORKER_SHUTDOWN_GRACE_MS (20000)');
    expect(loadConfig({ WORKER_SHUTDOWN_GRACE_MS: '20000' }).workerProcess.shutdownForceMs).toBe(40_000);
  });
});

describe('the Temporal connection, read as every Temporal tool reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-reindex-config-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const caPath = file('ca.pem', 'the CA');
  const certPath = file('client.pem', 'the client certificate');
  const keyPath = file('client.key', 'the client key');
  const profiles = file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "default.example:7233"',
      '',
      '[profile.cloud]',
      'address = "my-ns.a1b2c.tmprl.cloud:7233"',
      'namespace = "my-ns.a1b2c"',
      '[profile.cloud.tls]',
      `server_ca_cert_path = "${caPath}"`,
      `client_cert_path = "${certPath}"`,
      `client_key_path = "${keyPath}"`,
      'server_name = "frontend.internal"',
      '[profile.cloud.grpc_meta]',
      'x-tenant = "blue"',
    ].join('\n'),
  );

  it('reads several Elasticsearch nodes, ES_URL first, and checks each and the CA file', () => {
    expect(loadConfig({}).elasticsearch).toMatchObject({
      urls: ['http://localhost:9200'],
      sniffIntervalMs: 0,
    });
    const both = loadConfig({
      ES_URL: 'https://es-2:9200',
      ES_URLS: 'https://es-1:9200, https://es-2:9200,https://es-3:9200',
      ES_SNIFF_INTERVAL_MS: '60000',
    }).elasticsearch;
    expect(both.url).toBe('https://es-2:9200');
    expect(both.urls).toEqual(['https://es-2:9200', 'https://es-1:9200', 'https://es-3:9200']);
    expect(both.sniffIntervalMs).toBe(60_000);
    expect(loadConfig({ ES_URLS: 'http://a:9200,http://b:9200' }).elasticsearch.url).toBe('http://a:9200');
    expect(() => loadConfig({ ES_URLS: 'http://a:9200,es-2:9200' })).toThrow(
      'Elasticsearch URL [es-2:9200] (ES_URL, ES_URLS) must be http:// or https://',
    );
    expect(() => loadConfig({ ES_URL: 'not a url' })).toThrow('is not a URL');
    expect(() => loadConfig({ ES_SNIFF_INTERVAL_MS: '-1' })).toThrow(
      'ES_SNIFF_INTERVAL_MS must be a whole number',
    );
    expect(() => loadConfig({ ES_CA_FILE: '/nowhere/ca.crt' })).toThrow(
      'ES_CA_FILE names /nowhere/ca.crt, which does not exist',
    );
  });

  it('reads the profile TEMPORAL_PROFILE names from TEMPORAL_CONFIG_FILE, files included', () => {
    const { temporal } = loadConfig({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'cloud' });
    expect(temporal).toMatchObject({
      address: 'my-ns.a1b2c.tmprl.cloud:7233',
      namespace: 'my-ns.a1b2c',
      taskQueue: 'ds-reindex',
      grpcMetadata: { 'x-tenant': 'blue' },
      description:
        `my-ns.a1b2c.tmprl.cloud:7233 (TLS, server CA ${caPath}, client certificate ${certPath}, ` +
        'server name frontend.internal)',
    });
    expect(temporalConnectionOptions(temporal)).toEqual({
      address: 'my-ns.a1b2c.tmprl.cloud:7233',
      tls: {
        serverNameOverride: 'frontend.internal',
        serverRootCACertificate: Uint8Array.from(Buffer.from('the CA')),
        clientCertPair: {
          crt: Uint8Array.from(Buffer.from('the client certificate')),
          key: Uint8Array.from(Buffer.from('the client key')),
        },
      },
      metadata: { 'x-tenant': 'blue' },
    });
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: profiles }).temporal.address).toBe('default.example:7233');
  });

  it('lets the TEMPORAL_* variables override the profile, and keeps the task queue ours', () => {
    const { temporal } = loadConfig({
      TEMPORAL_CONFIG_FILE: profiles,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'staging',
      TEMPORAL_TASK_QUEUE: 'upgrades',
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_GRPC_META_X_TENANT: 'green',
    });
    expect(temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'staging',
      taskQueue: 'upgrades',
      grpcMetadata: { 'x-tenant': 'green' },
      tls: expect.objectContaining({ serverNameOverride: 'localhost' }) as unknown,
    });
  });

  it('turns TLS on for an API key, unless TEMPORAL_TLS says otherwise, and never prints the key', () => {
    const withKey = loadConfig({ TEMPORAL_ADDRESS: 'cloud:7233', TEMPORAL_API_KEY: 'secret-key' }).temporal;
    expect(temporalConnectionOptions(withKey)).toEqual({
      address: 'cloud:7233',
      tls: true,
      apiKey: 'secret-key',
    });
    expect(withKey.description).toBe('cloud:7233 (TLS, system CAs, API key)');
    expect(loadConfig({ TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS: 'false' }).temporal.tls).toBe(false);
    const mtls = loadConfig({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
    }).temporal;
    expect(mtls.tls).toMatchObject({
      clientCertPair: { crt: Uint8Array.from(Buffer.from('the client certificate')) },
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.description).toBe(
      'localhost:7233 (TLS, system CAs)',
    );
  });

  it('says which setting is wrong instead of connecting without it', () => {
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toThrow(
      `TEMPORAL_CONFIG_FILE [${join(dir, 'missing.toml')}] does not exist`,
    );
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'prod' })).toThrow(
      "Profile 'prod' not found",
    );
    expect(() =>
      loadConfig({ TEMPORAL_CONFIG_FILE: file('typo.toml', '[profile.default]\nadress = "x:1"\n') }),
    ).toThrow('key(s) unrecognized in profile.default: adress');
    expect(() => loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'no-ca.pem') })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported',
    );
  });
});
