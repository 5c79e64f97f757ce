// The workflows the worker registers. Filled in by the upgrade workflows.
export {};
