import { Client, Connection } from '@temporalio/client';
import { createHttpApi } from './server';
import { ReindexService } from '../service/reindex-service';
import { loadConfig } from '../config';

/** Entry point: `npm run api`. Reads the same environment variables as the worker and the CLI. */
async function run(): Promise<void> {
  const config = loadConfig(process.env);
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const service = new ReindexService({ temporal, taskQueue: config.temporal.taskQueue });
  const api = await createHttpApi({
    service,
    esConfig: config.elasticsearch,
    host: config.httpApi.host,
    port: config.httpApi.port,
    maxBodyBytes: config.httpApi.maxBodyBytes,
    log: (line) => console.log(line),
  });
  console.log(`ds-reindex HTTP API listening on ${api.url}`);
  console.log(
    `  Elasticsearch: ${config.elasticsearch.url}  Temporal: ${config.temporal.address} (${config.temporal.namespace})`,
  );
  const { apiKey, username } = config.elasticsearch;
  if (!apiKey && !username) {
    console.warn(
      'WARNING: this API runs WITHOUT AUTHENTICATION. No Elasticsearch credentials are configured\n' +
        '  (ES_API_KEY, or ES_USERNAME and ES_PASSWORD): a caller that sends no Authorization header acts on\n' +
        '  Elasticsearch anonymously, and anyone who can reach this port can start and cancel upgrades\n' +
        `  unless Elasticsearch itself refuses them. It listens on ${config.httpApi.host}; keep it on a trusted interface.`,
    );
  }
  const stop = () => {
    api
      .close()
      .then(() => connection.close())
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
