/**
 * The ds-reindex worker: runs the upgrade workflows and their activities. Credentials for Elasticsearch
 * come from this process's environment only (see README, Configuration).
 *
 *   npm run worker
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createElasticsearchClient } from '../elasticsearch/client';
import { createReindexWorker } from './create-worker';
import { ensureSearchAttributes } from './search-attributes';

async function run(): Promise<void> {
  const config = loadConfig(process.env);
  const es = createElasticsearchClient(config.elasticsearch);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  try {
    const added = await ensureSearchAttributes(clientConnection, config.temporal.namespace).catch(
      (err: unknown) => {
        console.warn(
          `could not check search attributes (register DataStream and ReindexState by hand): ${String(err)}`,
        );
        return [];
      },
    );
    if (added.length > 0) console.log(`registered search attributes: ${added.join(', ')}`);
    const bundlePath = config.worker.workflowBundlePath;
    const worker = await createReindexWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      es,
      temporal: new Client({ connection: clientConnection, namespace: config.temporal.namespace }),
      worker: config.worker,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    });
    console.log(
      `ds-reindex worker: Temporal ${config.temporal.address} (namespace ${config.temporal.namespace}, ` +
        `task queue ${config.temporal.taskQueue}), Elasticsearch ${config.elasticsearch.url}`,
    );
    await worker.run();
  } finally {
    await clientConnection.close();
    await connection.close();
    await es.close();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
