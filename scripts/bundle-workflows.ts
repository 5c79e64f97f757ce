/**
 * Bundles the workflow code once, at image build time, so the worker starts without webpack:
 *   tsx scripts/bundle-workflows.ts dist/workflow-bundle.js
 * The worker loads it when WORKFLOW_BUNDLE_PATH points at it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH, workflowBundleOptions } from '../src/worker/workflow-modules';

async function bundle(): Promise<void> {
  const output = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(WORKFLOWS_PATH),
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, code);
  console.log(`wrote ${output} (${(code.length / 1024).toFixed(0)} KiB)`);
}

bundle().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
