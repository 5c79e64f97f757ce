import { bundleWorkflows, installQuietRuntime } from '../support/temporal-env';
import {
  CREDENTIAL_PATTERN,
  HISTORY_SETS,
  readHistorySet,
  searchableText,
  type HistorySetName,
} from './histories';
import { replayRecorded } from './replay';

// Replays every committed history against today's workflow code, with no server: a change that alters
// the command sequence of a running workflow fails here, naming the history, before a deploy does.
it('the credential check sees inside base64 payloads', () => {
  const data = Buffer.from('{"password":"x"}').toString('base64');
  const recorded = {
    workflowId: 'w',
    scenario: 's',
    history: { events: [{ input: { payloads: [{ data }] } }] },
  };
  expect(searchableText(recorded)).toMatch(CREDENTIAL_PATTERN);
});

describe.each(Object.keys(HISTORY_SETS) as HistorySetName[])('replay of %s histories', (set) => {
  const histories = readHistorySet(set);

  beforeAll(() => installQuietRuntime());

  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories.map((h) => [h.file, h.recorded] as const))(
    '%s replays deterministically',
    async (file, recorded) => {
      await replayRecorded(await bundleWorkflows(HISTORY_SETS[set]), file, recorded);
    },
  );

  it.each(histories.map((h) => [h.file, h.recorded] as const))(
    '%s holds no credentials',
    (_file, recorded) => {
      expect(searchableText(recorded)).not.toMatch(CREDENTIAL_PATTERN);
    },
  );
});
