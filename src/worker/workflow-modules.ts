/**
 * The one place that names the workflow code: the worker registers it, `scripts/bundle-workflows.ts`
 * bundles it for the image, and the CI bundle check, the tests and the benchmarks bundle the same path.
 */
export const WORKFLOWS_PATH: string = require.resolve('../workflows');
