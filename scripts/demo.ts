/**
 * The demo behind `npm run demo`: everything on this machine, nothing to configure.
 *
 *  1. a Temporal dev server with its Web UI;
 *  2. the Elasticsearch sandbox, seeded with `logs-demo`, whose backing indices were created by 7.17;
 *  3. the ds-reindex worker and HTTP API;
 *  4. the upgrade, started with the official Elasticsearch client against the HTTP API;
 *  5. live progress from the `ds-reindex` CLI, then the final status and the data stream's indices;
 *  6. the Web UI stays up until Ctrl-C, which stops everything it started.
 *
 * `--exit-when-done` skips step 6 (the test of the demo uses it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { rmSync, mkdirSync } from 'node:fs';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createHttpApi, type HttpApi } from '../src/client/http-api/server';
import { ReindexService } from '../src/client/service/reindex-service';
import { loadConfig } from '../src/config';
import { startSandbox, type RunningSandbox } from '@ds-reindex/es-sandbox';
import {
  MAX_CONCURRENT_INDICES_SETTING,
  MAX_REQUESTS_PER_SECOND_SETTING,
} from '../src/shared/migrate-settings';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { createReindexWorker } from '../src/worker/create-worker';

const ROOT = resolve(__dirname, '..');
const DATA_STREAM = 'logs-demo';
const exitWhenDone = process.argv.includes('--exit-when-done');

/** The preferred port when it is free, otherwise any free one: the demo must not clash with a running server. */
function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => done(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  return tryPort(preferred).then(async (port) => port ?? (await tryPort(0)) ?? preferred);
}

function step(text: string): void {
  console.log(`\n\x1b[1m==> ${text}\x1b[0m`);
}

async function connectWhenReady(address: string): Promise<Connection> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await Connection.connect({ address, connectTimeout: '1s' });
    } catch (err) {
      if (attempt > 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const cli = spawn(process.execPath, ['--import', 'tsx', 'src/client/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    cli.once('exit', (code) => done(code ?? 1));
  });
}

async function demo(): Promise<void> {
  // The worker's own start-up chatter (webpack, state changes) would bury the demo's output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporalPort = await freePort(7233);
  const uiPort = await freePort(8233);
  const esPort = await freePort(9200);
  const apiPort = await freePort(9300);
  const dataDir = resolve(ROOT, '.data/demo');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  let temporalServer: ChildProcess | undefined;
  let sandbox: RunningSandbox | undefined;
  let api: HttpApi | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  const connections: { close(): Promise<void> }[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping: worker, HTTP API, Elasticsearch sandbox, Temporal dev server');
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerRun?.catch(() => undefined);
    await api?.close().catch(() => undefined);
    for (const connection of connections) await connection.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    if (temporalServer && temporalServer.exitCode === null) {
      const exited = new Promise((done) => temporalServer?.once('exit', done));
      temporalServer.kill('SIGTERM');
      await exited;
    }
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    step(`Temporal dev server on localhost:${temporalPort}, Web UI on http://localhost:${uiPort}`);
    temporalServer = spawn(
      resolve(ROOT, '.tools/venv/bin/temporal'),
      [
        'server',
        'start-dev',
        '--port',
        String(temporalPort),
        '--ui-port',
        String(uiPort),
        '--db-filename',
        resolve(dataDir, 'temporal.db'),
        '--log-level',
        'error',
        ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ],
      { stdio: 'ignore' },
    );
    const temporalAddress = `localhost:${temporalPort}`;
    const connection = await connectWhenReady(temporalAddress);
    connections.push(connection);
    const temporal = new TemporalClient({ connection, namespace: 'default' });

    step(
      `Elasticsearch sandbox on http://127.0.0.1:${esPort}, seeded with ${DATA_STREAM} (backing indices from 7.17)`,
    );
    sandbox = await startSandbox({ port: esPort });
    const seeded = await sandbox.controls.seedDataStream({
      name: DATA_STREAM,
      backingIndices: [
        { docCount: 100_000 },
        { docCount: 80_000, closed: true },
        { docCount: 100_000, docsWithoutTimestamp: 1_000 },
        { docCount: 20_000 },
      ],
    });
    const es = new ElasticsearchClient({ node: sandbox.url });
    connections.push({ close: () => es.close() });
    console.log(
      `${seeded.backingIndices.join('\n')}\n(300,000 documents; the second index is closed; the last is the write index)`,
    );
    // Throttled so the progress can be watched: 15,000 documents per second per index, two at a time.
    await es.cluster.putSettings({
      persistent: { [MAX_REQUESTS_PER_SECOND_SETTING]: 15_000, [MAX_CONCURRENT_INDICES_SETTING]: 2 },
    });

    const env = {
      TEMPORAL_ADDRESS: temporalAddress,
      ES_URL: sandbox.url,
      PROGRESS_SIGNAL_INTERVAL_MS: '1000',
    };
    const config = loadConfig({ ...process.env, ...env });
    step(
      `ds-reindex worker (task queue ${config.temporal.taskQueue}) and HTTP API on http://127.0.0.1:${apiPort}`,
    );
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    connections.push(nativeConnection);
    worker = await createReindexWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue: config.temporal.taskQueue,
      es: new ElasticsearchClient({ node: sandbox.url, maxRetries: 0 }),
      temporal,
      worker: config.worker,
    });
    workerRun = worker.run();
    const service = new ReindexService({ temporal, taskQueue: config.temporal.taskQueue });
    api = await createHttpApi({
      service,
      esConfig: config.elasticsearch,
      port: apiPort,
    });

    step(`POST ${api.url}/_migration/reindex {"source":{"index":"${DATA_STREAM}"},"mode":"upgrade"}`);
    const viaApi = new ElasticsearchClient({ node: api.url, maxRetries: 0 });
    connections.push({ close: () => viaApi.close() });
    console.log(
      JSON.stringify(
        await viaApi.indices.migrateReindex({ reindex: { source: { index: DATA_STREAM }, mode: 'upgrade' } }),
      ),
    );

    step(`ds-reindex status ${DATA_STREAM} --watch`);
    await runCli(['status', DATA_STREAM, '--watch'], env);

    step(`GET ${api.url}/_migration/reindex/${DATA_STREAM}/_status`);
    console.log(
      JSON.stringify(await viaApi.indices.getMigrateReindexStatus({ index: DATA_STREAM }), null, 2),
    );

    step(`GET _data_stream/${DATA_STREAM}?filter_path=data_streams.indices.index_name`);
    console.log(
      JSON.stringify(
        await es.indices.getDataStream({ name: DATA_STREAM, filter_path: 'data_streams.indices.index_name' }),
        null,
        2,
      ),
    );

    const query = encodeURIComponent(`DataStream="${DATA_STREAM}"`);
    step('Done. Look at it in the Temporal Web UI:');
    console.log(`  http://localhost:${uiPort}/namespaces/default/workflows?query=${query}`);
    console.log(
      '  (the data-stream workflow, one child per backing index; "ReindexState" tells how each ended)',
    );
    if (exitWhenDone) {
      await stopAll();
      return;
    }
    console.log('\nPress Ctrl-C to stop everything.');
    await new Promise(() => undefined);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

demo().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
