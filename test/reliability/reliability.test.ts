import { createUpgradeHarness, type UpgradeHarness } from '../support/upgrade-harness';
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

// The short form of the reliability suite (the full form is `npm run reliability`). It drives the
// sandbox's fault controls, so it cannot run against a real cluster.
const describeWithSandbox = process.env.ES_URL ? describe.skip : describe;

function expectNothingLost(result: ScenarioResult): void {
  // The whole result in the failure message: which invariant broke, and the scenario's notes.
  expect({ scenario: result.scenario, violations: result.violations, notes: result.notes }).toEqual({
    scenario: result.scenario,
    violations: [],
    notes: result.notes,
  });
  expect(result.documentsLost).toBe(0);
}

describeWithSandbox('reliability (short form)', () => {
  let h: UpgradeHarness;
  let rig: Rig;
  const queue = 'reliability-short';

  beforeAll(async () => {
    h = await createUpgradeHarness(queue);
    rig = rigFrom(h);
    await h.startWorker();
  });

  afterAll(async () => {
    await h?.close();
  });

  afterEach(() => {
    rig?.controls.clearFaults();
  });

  it('loses nothing while Elasticsearch answers 429/503 to 10 % then 50 % of requests and drops connections', async () => {
    const result = await overloadedCluster(rig, queue, 1_500);
    expectNothingLost(result);
    expect(result.documentsChecked).toBeGreaterThan(1_200);
  });

  it('restores an index whose reindex task fails after K documents, and a restart upgrades it', async () => {
    expectNothingLost(await reindexFailsAfterK(rig, queue, 150));
  });

  it('copes with backing indices deleted, closed and write-blocked by someone else mid-run', async () => {
    expectNothingLost(await meddlingOperator(rig, queue));
  });

  it.each(STEP_BOUNDARIES.map((b) => [b.step, b] as const))(
    'cancelled at "%s" leaves nothing half-done, and a restart completes',
    async (_step, boundary) => {
      expectNothingLost(await cancelAtStep(rig, queue, boundary));
    },
  );

  it('lets exactly one of two racing starts win', async () => {
    expectNothingLost(await racingStarts(rig, queue));
  });

  it('answers hostile HTTP input with Elasticsearch errors, never crashing, never starting a workflow', async () => {
    expectNothingLost(await fuzzHttpApi(rig, queue, 150, 8));
  });

  it('loses nothing when the worker is SIGKILLed mid-copy and restarted (costs the 30 s heartbeat timeout)', async () => {
    const result = await killedWorker(rig, {
      kills: 1,
      killAfterSwap: false,
      onlyMidCopy: true,
      temporalAddress: h.env.address,
      esUrl: h.target.url,
      seed: 1,
      indices: 2,
      docsPerIndex: 1_500,
    });
    expectNothingLost(result);
  }, 180_000);
});

describeWithSandbox('reliability (short form): the Temporal server restarts', () => {
  let server: RestartableTemporal;
  let h: UpgradeHarness;

  beforeAll(async () => {
    server = await RestartableTemporal.start();
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = server.address;
    try {
      h = await createUpgradeHarness('reliability-restart');
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }
  });

  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  it('loses nothing when the dev server is killed mid-copy and restarted on the same file', async () => {
    expectNothingLost(await temporalServerRestart(rigFrom(h), server, h.target.url, 2_000));
  }, 240_000);
});
