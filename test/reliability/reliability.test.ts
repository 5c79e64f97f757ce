import { describeOnSandbox, itOnSandbox, useUpgradeHarness } from '../support';
import { fuzzHttpApi } from './http-fuzz';
import { rigFrom, type Rig } from './rig';
import {
  cancelAtStep,
  killedWorker,
  meddlingOperator,
  overloadedCluster,
  racingStarts,
  reindexFailsAfterK,
  STEP_BOUNDARIES,
  temporalServerRestart,
  type ScenarioResult,
} from './scenarios';
import { RestartableTemporal } from './temporal-restart';

// The short form of the reliability suite (the full form is `npm run reliability`). Scenarios that
// drive the sandbox's faults or count its requests run on the sandbox only; the others also run on a
// real cluster (ES_URL). Each test's timeout exceeds the sum of its scenario's own bounded waits, so a
// scenario that hangs fails with the wait that did not end, not with jest's timeout.

function expectNothingLost(result: ScenarioResult): void {
  // The whole result in the failure message: which invariant broke, and the scenario's notes.
  expect({ scenario: result.scenario, violations: result.violations, notes: result.notes }).toEqual({
    scenario: result.scenario,
    violations: [],
    notes: result.notes,
  });
  expect(result.documentsLost).toBe(0);
}

describe('reliability (short form)', () => {
  const queue = 'reliability-short';
  const h = useUpgradeHarness(queue);
  const rig = (): Rig => rigFrom(h());

  itOnSandbox(
    'loses nothing while Elasticsearch answers 429/503 to 10 % then 50 % of requests and drops connections',
    'fault injection',
    async () => {
      const result = await overloadedCluster(rig(), queue, 1_500);
      expectNothingLost(result);
      expect(result.documentsChecked).toBeGreaterThan(1_200);
    },
    300_000,
  );

  itOnSandbox(
    'restores an index whose reindex task fails after K documents, and a restart upgrades it',
    'failReindexAfter',
    async () => {
      expectNothingLost(await reindexFailsAfterK(rig(), queue, 150));
    },
    300_000,
  );

  it('copes with backing indices deleted, closed and write-blocked by someone else mid-run', async () => {
    expectNothingLost(await meddlingOperator(rig(), queue));
  }, 240_000);

  describeOnSandbox(
    'cancel at each step',
    'request counters mark the steps, injected delays hold them',
    () => {
      it.each(STEP_BOUNDARIES.map((b) => [b.step, b] as const))(
        'cancelled at "%s" leaves nothing half-done, and a restart completes',
        async (_step, boundary) => {
          expectNothingLost(await cancelAtStep(rig(), queue, boundary));
        },
        300_000,
      );
    },
  );

  it('lets exactly one of two racing starts win', async () => {
    expectNothingLost(await racingStarts(rig(), queue));
  });

  it('answers hostile HTTP input with Elasticsearch errors, never crashing, never starting a workflow', async () => {
    expectNothingLost(await fuzzHttpApi(rig(), queue, 150, 8));
  });

  it('loses nothing when the worker is SIGKILLed mid-copy and restarted (costs the copy heartbeat timeout)', async () => {
    const result = await killedWorker(rig(), {
      kills: 1,
      killAfterSwap: false,
      onlyMidCopy: true,
      temporalAddress: h().env.address,
      esUrl: h().target.url,
      seed: 1,
      indices: 2,
      // 8 s per copy (two pauses of 1,000 documents / 250 per second): far past the quick copy's 1 s
      // wait, so each reports progress, and still copying after the kill's random delay (up to 2.5 s).
      docsPerIndex: 3_000,
      requestsPerSecond: 250,
      timeoutsMs: { progress: 60_000, copy: 90_000, recovery: 120_000, completion: 180_000 },
    });
    expectNothingLost(result);
  }, 480_000);
});

describe('reliability (short form): the Temporal server restarts', () => {
  let server: RestartableTemporal;
  beforeAll(async () => {
    server = await RestartableTemporal.start();
  });
  const h = useUpgradeHarness('reliability-restart', {
    worker: false,
    temporalAddress: () => server.address,
  });
  afterAll(async () => {
    await server?.close();
  });

  it('loses nothing when the dev server is killed mid-copy and restarted on the same file', async () => {
    expectNothingLost(await temporalServerRestart(rigFrom(h()), server, h().target.url, 2_000));
  }, 480_000);
});
