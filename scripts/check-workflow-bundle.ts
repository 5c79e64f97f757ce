/**
 * Bundles the workflow code exactly as the worker does. A Node built-in, or anything else the workflow
 * sandbox cannot load, anywhere in the workflows' import graph fails here instead of at worker start.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH, workflowBundleOptions } from '../src/worker/workflow-modules';

async function check(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(WORKFLOWS_PATH),
    logger: new DefaultLogger('WARN'),
  });
  console.log(`bundled ${WORKFLOWS_PATH}: ${(code.length / 1024).toFixed(0)} KiB`);
}

check().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
