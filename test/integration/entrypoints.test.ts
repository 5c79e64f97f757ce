import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { eventually, expectSuccessesOnCluster, useUpgradeHarness } from '../support';

// The Docker image runs `node dist/worker/main.js` and `node dist/client/http-api/main.js` with a
// workflow bundle built at image build time. No Docker engine runs here, so this suite builds exactly
// that (tsc + scripts/bundle-workflows.ts) and runs both entry points as processes, end to end.
const ROOT = resolve(__dirname, '../..');
const DIST = resolve(ROOT, '.data/entrypoints-dist');

/** Starts a program and resolves once it printed `line`; fails if it exits first, or after `timeoutMs`. */
function runUntilLine(
  command: string[],
  env: NodeJS.ProcessEnv,
  line: RegExp,
  timeoutMs = 90_000,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolveStart, rejectStart) => {
    const child = spawn(process.execPath, command, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(
      () =>
        rejectStart(new Error(`${command.join(' ')} printed no ${line} within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = output.match(line);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectStart(new Error(`${command.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null) resolveExit(child.exitCode);
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolveExit(code));
    child.kill('SIGTERM');
  });
}

describe("the image's entry points, built and run outside Docker", () => {
  const children: ChildProcess[] = [];

  beforeAll(() => {
    rmSync(DIST, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST],
      { cwd: ROOT },
    );
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/bundle-workflows.ts', resolve(DIST, 'workflow-bundle.js')],
      { cwd: ROOT },
    );
  }, 180_000);
  const h = useUpgradeHarness('entrypoints', { worker: false });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('builds a product with no sandbox in it', () => {
    const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.js'),
    );
    expect(files).toContain('worker/main.js');
    const withSandbox = files.filter(
      (file) => file.includes('sandbox') || readFileSync(resolve(DIST, file), 'utf8').includes('es-sandbox'),
    );
    expect(withSandbox).toEqual([]);
  });

  it('runs the worker and the HTTP API from compiled JavaScript, and upgrades through them', async () => {
    const env = {
      TEMPORAL_ADDRESS: h().env.address,
      TEMPORAL_NAMESPACE: h().env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: h().taskQueue,
      ES_URL: h().target.url,
      WORKFLOW_BUNDLE_PATH: resolve(DIST, 'workflow-bundle.js'),
      HTTP_API_PORT: '0',
    };
    const worker = await runUntilLine([resolve(DIST, 'worker/main.js')], env, /ds-reindex worker: /);
    children.push(worker.child);
    const api = await runUntilLine(
      [resolve(DIST, 'client/http-api/main.js')],
      env,
      /(http:\/\/127\.0\.0\.1:\d+)/,
    );
    children.push(api.child);

    await h().seed('image-ds', [{ docCount: 100 }, { docCount: 100 }]);
    await h().es.cluster.putSettings({
      persistent: { 'migrate.data_stream_reindex_max_request_per_second': -1 },
    });
    const client = new Client({ node: api.match[1], maxRetries: 0 });
    await expect(
      client.indices.migrateReindex({ reindex: { mode: 'upgrade', source: { index: 'image-ds' } } }),
    ).resolves.toEqual({
      acknowledged: true,
    });
    const final = await eventually(
      async () => {
        const status = await client.indices.getMigrateReindexStatus({ index: 'image-ds' });
        return status.complete ? status : undefined;
      },
      'the upgrade through the compiled entry points',
      90_000,
    );
    expect(final).toMatchObject({ successes: 2, errors: [] });
    await expectSuccessesOnCluster(h().es, 'image-ds', await h().service.status('image-ds'));
    await client.close();

    expect(await stop(api.child)).toBe(0);
    expect(await stop(worker.child)).toBe(0);
  }, 300_000);
});
