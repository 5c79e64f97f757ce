import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-modules';

/**
 * Which workflows module each folder under test/histories is replayed against: `reindex` (the
 * data-stream and backing-index workflows) and `cluster` (the cluster workflow) are recorded from
 * today's code by `npm run histories:record`; `signal-pause` keeps a cluster run paused and resumed
 * by signal, as before pause and resume were updates (docs/REPLAY.md); `smoke`
 * checks the replay machinery itself.
 */
export const HISTORY_SETS = {
  smoke: resolve(__dirname, '../fixtures/workflows/smoke.ts'),
  reindex: WORKFLOWS_PATH,
  cluster: WORKFLOWS_PATH,
  'signal-pause': WORKFLOWS_PATH,
} as const;

export type HistorySetName = keyof typeof HISTORY_SETS;

/** A committed history file: the workflow id is not in the history itself, so it is stored beside it. */
export interface RecordedHistory {
  workflowId: string;
  scenario: string;
  history: unknown;
}

export const HISTORIES_DIR = resolve(__dirname, '../histories');

/** Strings that would mean a secret got into a workflow input, result or failure. */
export const CREDENTIAL_PATTERN = /password|api[_-]?key|authorization|secret|bearer /i;

export function readHistorySet(set: HistorySetName): { file: string; recorded: RecordedHistory }[] {
  const dir = join(HISTORIES_DIR, set);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      file: join(set, file),
      recorded: JSON.parse(readFileSync(join(dir, file), 'utf8')) as RecordedHistory,
    }));
}

/**
 * A history as text, with every payload decoded: payload data is base64 in the JSON, so a secret in a
 * workflow input would not show in the raw file.
 */
export function searchableText(recorded: RecordedHistory): string {
  const decoded: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (key === 'data') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(recorded.history, '');
  return [JSON.stringify(recorded), ...decoded].join('\n');
}
