/**
 * The one place that names the workflow code: the worker registers it, `scripts/bundle-workflows.ts`
 * bundles it for the image, and the CI bundle check, the tests and the benchmarks bundle the same path.
 */
export const WORKFLOWS_PATH: string = require.resolve('../workflows');

/**
 * Interceptor modules every workflow bundle includes, whatever workflows it holds: the tracing
 * interceptors, inert unless a run's start carries a trace context. In every bundle, so that one bundle
 * (the image's) serves a worker with tracing on or off, and replays check the same code that runs.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  require.resolve('../workflows/tracing-interceptors'),
];

/** What `bundleWorkflowCode` needs to bundle `workflowsPath` the way the worker does. */
export function workflowBundleOptions(workflowsPath: string = WORKFLOWS_PATH): {
  workflowsPath: string;
  workflowInterceptorModules: string[];
} {
  return { workflowsPath, workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES] };
}
