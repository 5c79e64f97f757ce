import { resolve } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflows, installQuietRuntime } from '../support/temporal-env';
import { readHistorySet, type RecordedHistory } from './histories';
import { HistoryReplayError, replayRecorded } from './replay';

// Proof that the replay test guards deploys: the committed per-index history rejects a workflow whose
// command sequence changed, and accepts the same change made behind `patched`. The variants re-export
// today's workflows with only `reindexBackingIndex` replaced.
const VARIANTS = {
  inserted: resolve(__dirname, '../fixtures/workflows/reindex-step-inserted.ts'),
  patched: resolve(__dirname, '../fixtures/workflows/reindex-step-patched.ts'),
};

function committed(file: string): { file: string; recorded: RecordedHistory } {
  const found = readHistorySet('reindex').find((h) => h.file === `reindex/${file}`);
  if (!found) throw new Error(`test/histories/reindex/${file} is missing: run npm run histories:record`);
  return found;
}

describe('the replay guard', () => {
  beforeAll(() => installQuietRuntime());

  it('rejects an activity inserted into reindexBackingIndex, naming the history and the error type', async () => {
    const { file, recorded } = committed('happy-path.child.json');
    const failure = await replayRecorded(await bundleWorkflows(VARIANTS.inserted), file, recorded).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(HistoryReplayError);
    const { cause, message } = failure as HistoryReplayError;
    expect(message).toContain(`reindex/happy-path.child.json (workflow id ${recorded.workflowId})`);
    expect(cause).toBeInstanceOf(DeterminismViolationError);
    expect((cause as Error).name).toBe('DeterminismViolationError');
  });

  it.each([
    'happy-path.child.json',
    'index-failure.child.json',
    'cancel-mid-run.child.json',
    'child-cancelled-outside.child.json',
  ])('accepts the same change behind patched() for %s', async (name) => {
    const { file, recorded } = committed(name);
    await replayRecorded(await bundleWorkflows(VARIANTS.patched), file, recorded);
  });
});
