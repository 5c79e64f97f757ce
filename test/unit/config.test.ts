import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.elasticsearch.url).toBe('http://localhost:9200');
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'ds-reindex',
    });
    expect(config.worker.reindexPollIntervalMs).toBe(2000);
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
  });
});
