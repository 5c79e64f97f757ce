export { startSandbox, type SandboxOptions, type RunningSandbox } from './server';
export type { SandboxControls, SandboxTaskView, SandboxDocument } from './controls';
export type { FaultSpec, ReindexFailureSpec } from './faults';
export type {
  SeedDataStreamSpec,
  SeedIndexSpec,
  SeedIndexContent,
  SeededDataStream,
  SeededIndex,
} from './seed';
export { seedDocId, SEED_MAPPINGS } from './seed';
export { SANDBOX_IDENTITY } from './version';
