import { startSandbox } from './server';

/** `npm run sandbox`: a standalone sandbox on SANDBOX_PORT (default 9200), state in SANDBOX_DATA_DIR if set. */
async function run(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 9200);
  const dataDir = process.env.SANDBOX_DATA_DIR || undefined;
  const sandbox = await startSandbox({ port, host: process.env.SANDBOX_HOST ?? '127.0.0.1', dataDir });
  console.log(
    `Elasticsearch sandbox listening on ${sandbox.url}${dataDir ? ` (state in ${dataDir})` : ' (in memory)'}`,
  );
  const stop = (): void => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
