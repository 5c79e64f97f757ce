/** The workflow modules the worker bundles; the CI bundle check builds the same list. */
export const WORKFLOW_MODULES = [require.resolve('../workflows')];
