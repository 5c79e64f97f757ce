import { Client } from '@elastic/elasticsearch';
import { startSandbox, type RunningSandbox } from '@ds-reindex/es-sandbox';
import { describeOnSandbox } from '../support';
import {
  readMigrateSettings,
  UNREGISTERED_MIGRATE_SETTINGS_WARNING,
} from '../../src/elasticsearch/migrate-settings-store';
import {
  DEFAULT_MIGRATE_SETTINGS,
  MAX_REQUESTS_PER_SECOND_SETTING as THROTTLE,
} from '../../src/shared/migrate-settings';

// Elasticsearch older than 8.18 has no migrate.* settings: ds-reindex must still run there, with the
// defaults, and say why they cannot be changed. The sandbox poses as such a node by its version.
describeOnSandbox(
  'the migrate settings on clusters with and without them',
  'the sandbox poses as 8.17',
  () => {
    const sandboxes: RunningSandbox[] = [];
    const clients: Client[] = [];
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
    };

    async function cluster(version: string): Promise<Client> {
      const sandbox = await startSandbox({ port: 0, version });
      sandboxes.push(sandbox);
      const client = new Client({ node: sandbox.url, maxRetries: 0 });
      clients.push(client);
      return client;
    }

    afterAll(async () => {
      for (const client of clients) await client.close();
      for (const sandbox of sandboxes) await sandbox.close();
    });
    beforeEach(() => {
      warnings.length = 0;
    });

    it('on 8.17 reads the defaults and warns once; the cluster itself refuses the settings', async () => {
      const es = await cluster('8.17.0');
      await expect(readMigrateSettings(es, warn)).resolves.toEqual(DEFAULT_MIGRATE_SETTINGS);
      await expect(readMigrateSettings(es, warn)).resolves.toEqual(DEFAULT_MIGRATE_SETTINGS);
      expect(warnings).toEqual([UNREGISTERED_MIGRATE_SETTINGS_WARNING]);
      await expect(es.cluster.putSettings({ persistent: { [THROTTLE]: 5 } })).rejects.toThrow(
        `persistent setting [${THROTTLE}], not recognized`,
      );
    });

    it('on 8.19 reads what the cluster stores, and does not warn', async () => {
      const es = await cluster('8.19.0');
      await es.cluster.putSettings({ persistent: { [THROTTLE]: 5 } });
      await expect(readMigrateSettings(es, warn)).resolves.toEqual({
        ...DEFAULT_MIGRATE_SETTINGS,
        maxRequestsPerSecond: 5,
      });
      expect(warnings).toEqual([]);
    });

    it('once the cluster is known to register them, reads without the defaults, and still reads changes', async () => {
      const es = await cluster('8.19.0');
      const queries: string[] = [];
      es.diagnostic.on('request', (_err, event) => {
        const querystring = event?.meta.request.params.querystring;
        if (event?.meta.request.params.path === '/_cluster/settings')
          queries.push(typeof querystring === 'string' ? querystring : '');
      });
      await expect(readMigrateSettings(es, warn)).resolves.toEqual(DEFAULT_MIGRATE_SETTINGS);
      await es.cluster.putSettings({ transient: { [THROTTLE]: 7 } });
      await expect(readMigrateSettings(es, warn)).resolves.toEqual({
        ...DEFAULT_MIGRATE_SETTINGS,
        maxRequestsPerSecond: 7,
      });
      const reads = queries.filter((query) => query.includes('flat_settings'));
      expect(reads).toHaveLength(2);
      expect(reads[0]).toContain('include_defaults=true');
      expect(reads[1]).not.toContain('include_defaults');
      expect(warnings).toEqual([]);
    });
  },
);
