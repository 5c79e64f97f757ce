import type { ChildProcess } from 'node:child_process';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SeedIndexContent } from '@ds-reindex/es-sandbox';
import { dataStreamWorkflowId } from '../../src/shared/names';
import type { ReindexDataStreamStatus } from '../../src/shared/status';
import type { ReindexService } from '../../src/client/service/reindex-service';
import { WORKFLOW_TUNABLES } from '../../src/workflows/tunables';
import { abandonWait, backingIndexVersions, eventually, setMigrateSettings, sleep } from '../support';
import { checkInvariants, snapshotSource, type InvariantOptions, type InvariantReport } from './invariants';
import { completion, kill, Rng, startUpgrade, startWorkerProcess, Writer, type Rig } from './rig';

/** One scenario run: what was checked and what went wrong. `documentsLost` must be 0. */
export interface ScenarioResult {
  scenario: string;
  documentsChecked: number;
  documentsLost: number;
  violations: string[];
  notes: string[];
  durationMs: number;
}

/** Non-default settings, so the invariants can see that replicas, refresh and lifecycle are carried over. */
const CUSTOM_SETTINGS: Record<string, string> = {
  'index.number_of_replicas': '0',
  'index.refresh_interval': '7s',
  'index.lifecycle.name': 'reliability-policy',
};

function indices(count: number, docCount: number, custom = true): SeedIndexContent[] {
  return Array.from({ length: count }, (_, i) => ({
    docCount,
    settings: custom && i % 2 === 0 ? CUSTOM_SETTINGS : undefined,
  }));
}

let sequence = 0;
/** Data stream names unique in the process, so repeated scenarios never collide. */
function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${sequence}`;
}

function merge(
  reports: InvariantReport[],
): Pick<ScenarioResult, 'documentsChecked' | 'documentsLost' | 'violations'> {
  return {
    documentsChecked: reports.reduce((sum, r) => sum + r.documentsChecked, 0),
    documentsLost: reports.reduce((sum, r) => sum + r.documentsLost, 0),
    violations: reports.flatMap((r) => r.violations),
  };
}

async function timed(
  scenario: string,
  body: (notes: string[]) => Promise<InvariantReport[]>,
): Promise<ScenarioResult> {
  const started = Date.now();
  const notes: string[] = [];
  const reports = await body(notes);
  return { scenario, ...merge(reports), notes, durationMs: Date.now() - started };
}

/** A copy that has reported progress and is not done: the moment a scenario acts "mid-copy". */
function midCopy(status: ReindexDataStreamStatus, index?: string): boolean {
  return status.in_progress.some(
    (p) =>
      (index === undefined || p.index === index) &&
      p.reindexed_doc_count > 0 &&
      p.reindexed_doc_count < p.total_doc_count,
  );
}

/**
 * Waits until a copy (of `index`, when given) reports progress and is not done. Only a copy that outlasts
 * the quick copy's wait reports any, so each scenario makes its copies last (documents and throttle).
 * If that copy ends first, or the upgrade completes, the scenario can no longer act mid-copy: the wait
 * fails at once saying so, instead of timing out.
 */
async function copyUnderWay(
  service: ReindexService,
  dataStream: string,
  what: { index?: string; timeoutMs: number; construction: string },
): Promise<ReindexDataStreamStatus> {
  const { index, timeoutMs, construction } = what;
  let seen = false;
  return eventually(
    async () => {
      const status = await service.status(dataStream);
      if (midCopy(status, index)) return status;
      const present = status.in_progress.some((p) => index === undefined || p.index === index);
      if (
        status.complete ||
        (index !== undefined && seen && !present) ||
        status.errors.some((e) => e.index === index)
      )
        abandonWait(
          `the ${index === undefined ? 'copies' : `copy of ${index}`} ended before reporting progress ` +
            `(${construction}; a copy that ends within the quick copy's ${WORKFLOW_TUNABLES.QUICK_COPY_WAIT_MS} ms ` +
            `wait reports none): ${JSON.stringify(status)}`,
        );
      seen ||= present;
      return undefined;
    },
    `a copy of ${index ?? dataStream} under way`,
    timeoutMs,
    100,
  );
}

/** Seed, snapshot, upgrade to completion on the rig's in-process worker queue, check. */
async function seedAndSnapshot(rig: Rig, dataStream: string, content: SeedIndexContent[]) {
  const seeded = await rig.target.seedDataStream(dataStream, content);
  const before = await snapshotSource(rig.target, dataStream);
  return { seeded, before };
}

/** Elasticsearch answering 429 and 503 to 10 % then 50 % of requests, and dropping connections, with writers on. */
export async function overloadedCluster(
  rig: Rig,
  taskQueue: string,
  phaseMs: number,
): Promise<ScenarioResult> {
  return timed('429/503 at 10 % then 50 %, dropped connections, writers on', async (notes) => {
    const ds = uniqueName('rel-overload');
    const service = rig.service(taskQueue);
    const { before } = await seedAndSnapshot(rig, ds, indices(3, 400));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: -1 });
    const writer = new Writer(rig.es, ds).start();
    await startUpgrade(service, rig.es, ds);
    try {
      rig.controls.injectFault({ status: 429, probability: 0.05 });
      rig.controls.injectFault({ status: 503, probability: 0.05 });
      rig.controls.injectFault({ dropConnection: true, probability: 0.02 });
      await sleep(phaseMs);
      rig.controls.clearFaults();
      rig.controls.injectFault({ status: 429, probability: 0.25 });
      rig.controls.injectFault({ status: 503, probability: 0.25 });
      rig.controls.injectFault({ dropConnection: true, probability: 0.05 });
      await sleep(phaseMs);
    } finally {
      rig.controls.clearFaults();
    }
    const final = await completion(service, ds, 240_000);
    await writer.stop();
    notes.push(`${writer.acknowledged.size} of ${writer.attempts} writes acknowledged`);
    return [
      await checkInvariants(rig.target, before, {
        acknowledged: writer.acknowledged,
        upgrade: { status: final },
      }),
    ];
  });
}

/** A reindex task fails after K documents: that index is restored; a second start then upgrades it. */
export async function reindexFailsAfterK(rig: Rig, taskQueue: string, k: number): Promise<ScenarioResult> {
  return timed(`reindex task fails after ${k} documents, then restart`, async (notes) => {
    const ds = uniqueName('rel-failk');
    const service = rig.service(taskQueue);
    const { seeded, before } = await seedAndSnapshot(rig, ds, indices(3, 600));
    const victim = seeded[1];
    rig.controls.failReindexAfter({ sourceIndex: victim, docs: k, reason: 'injected: disk full' });
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: -1 });
    await startUpgrade(service, rig.es, ds);
    const first = await completion(service, ds, 120_000);
    notes.push(`first run: ${first.successes} successes, ${first.errors.length} error(s)`);
    const failedRun = await checkInvariants(rig.target, before, {
      expectFailed: [victim],
      upgrade: { status: first },
    });
    if (first.errors.map((e) => e.index).join() !== victim)
      failedRun.violations.push(`expected exactly ${victim} to fail, got ${JSON.stringify(first.errors)}`);
    const atRestart = await backingIndexVersions(rig.es, ds);
    await startUpgrade(service, rig.es, ds);
    const second = await completion(service, ds, 120_000);
    const rerun = await checkInvariants(rig.target, before, {
      upgrade: { status: second, atStart: atRestart },
    });
    // The same documents, checked twice: count them once.
    return [{ ...failedRun, documentsChecked: 0 }, rerun];
  });
}

/** Someone else deletes, closes and write-blocks backing indices while the first is being copied. */
export async function meddlingOperator(rig: Rig, taskQueue: string): Promise<ScenarioResult> {
  return timed('backing indices deleted, closed, blocked mid-run, writers on', async (notes) => {
    const ds = uniqueName('rel-meddle');
    const service = rig.service(taskQueue);
    const { seeded, before } = await seedAndSnapshot(rig, ds, [
      // 10 s of copying at the throttle below (five pauses of 1,000 documents / 500 per second): far
      // past the quick copy's wait, so the status shows it, and the meddling lands while it runs.
      { docCount: 6000, settings: CUSTOM_SETTINGS },
      { docCount: 200 },
      { docCount: 200, settings: CUSTOM_SETTINGS },
      { docCount: 200 },
      { docCount: 50 },
    ]);
    const [first, doomed, closed, blocked] = seeded as [string, string, string, string];
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 500 });
    const writer = new Writer(rig.es, ds).start();
    let final: Awaited<ReturnType<typeof completion>>;
    try {
      await startUpgrade(service, rig.es, ds);
      await copyUnderWay(service, ds, {
        index: first,
        timeoutMs: 60_000,
        construction: '6,000 documents at 500 per second',
      });
      await rig.es.indices.delete({ index: doomed });
      await rig.es.indices.close({ index: closed });
      await rig.es.indices.addBlock({ index: blocked, block: 'write' });
      await setMigrateSettings(rig.es, { maxRequestsPerSecond: -1 });
      final = await completion(service, ds, 120_000);
    } finally {
      // Stopped whatever happened: a writer left running keeps jest from exiting.
      await writer.stop();
    }
    notes.push(`errors: ${JSON.stringify(final.errors)}; ${writer.acknowledged.size} writes acknowledged`);
    const report = await checkInvariants(rig.target, before, {
      acknowledged: writer.acknowledged,
      deletedByOthers: [doomed],
      upgrade: { status: final },
    });
    if (final.errors.length !== 1 || final.errors[0]?.index !== doomed)
      report.violations.push(`expected one error, for ${doomed}: ${JSON.stringify(final.errors)}`);
    return [report];
  });
}

/** Routes whose first request marks a step of the backing-index child, in the order they happen. */
export const STEP_BOUNDARIES = [
  // Blocks are set with `PUT /<index>/_settings`; the first such request is the source's block.
  { step: 'blocking writes', route: 'PUT /{index}/_settings' },
  { step: 'creating the destination', route: 'PUT /{index}' },
  { step: 'copying', route: 'POST /_reindex' },
  { step: 'restoring settings', route: 'PUT /{index}/_settings', after: 'POST /_reindex' },
  { step: 'swapping', route: 'POST /_data_stream/_modify' },
  { step: 'deleting the old index', route: 'DELETE /{index}', after: 'POST /_data_stream/_modify' },
] as const;

/** Cancel when a step is reached, check nothing is half-done, start again, check completion. */
export async function cancelAtStep(
  rig: Rig,
  taskQueue: string,
  boundary: (typeof STEP_BOUNDARIES)[number],
): Promise<ScenarioResult> {
  return timed(`cancel at "${boundary.step}", then restart`, async (notes) => {
    const ds = uniqueName('rel-cancel');
    const service = rig.service(taskQueue);
    const { before } = await seedAndSnapshot(rig, ds, indices(2, 300));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 1000 });
    const counts = (): number => rig.controls.requestCounts()[boundary.route] ?? 0;
    const after = 'after' in boundary ? boundary.after : undefined;
    const afterCount = (): number => (after ? (rig.controls.requestCounts()[after] ?? 0) : 1);
    const afterBaseline = after ? afterCount() : 0;
    const baseline = counts();
    // Slow the step a little so the cancel lands while it is in flight, not after the child moved on.
    rig.controls.injectFault({ method: boundary.route.split(' ')[0], delayMs: 300, probability: 1 });
    await startUpgrade(service, rig.es, ds);
    let reachedAt = baseline;
    if (after) {
      await eventually(() => (afterCount() > afterBaseline ? true : undefined), `${after}`, 60_000, 5);
      reachedAt = counts();
    }
    await eventually(() => (counts() > reachedAt ? true : undefined), boundary.step, 60_000, 5);
    await service.cancel(ds);
    rig.controls.clearFaults();
    // Between the cancel and the restart nothing may be half-done: no orphan copy, no block.
    const midway = await checkInvariants(rig.target, before);
    const leftovers = midway.violations.filter((v) => /orphan|blocked/.test(v));
    notes.push(`after the cancel: ${leftovers.length === 0 ? 'clean' : leftovers.join('; ')}`);
    // An index the cancelled run finished is current already: not the restart's success.
    const atRestart = await backingIndexVersions(rig.es, ds);
    await startUpgrade(service, rig.es, ds);
    const final = await completion(service, ds, 120_000);
    const report = await checkInvariants(rig.target, before, {
      upgrade: { status: final, atStart: atRestart },
    });
    report.violations.push(...leftovers.map((v) => `right after the cancel: ${v}`));
    return [report];
  });
}

/** Two starts race: exactly one wins, the other is refused as Elasticsearch would, one workflow runs. */
export async function racingStarts(rig: Rig, taskQueue: string): Promise<ScenarioResult> {
  return timed('two starts racing for one data stream', async (notes) => {
    const ds = uniqueName('rel-race');
    const service = rig.service(taskQueue);
    const other = rig.service(taskQueue);
    const { before } = await seedAndSnapshot(rig, ds, indices(2, 200));
    const outcomes = await Promise.allSettled([service.start(rig.es, ds), other.start(rig.es, ds)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    const refusals = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map((o) =>
        o.reason instanceof Error && 'type' in o.reason ? String(o.reason.type) : String(o.reason),
      );
    notes.push(`winners ${won}, refusals ${refusals.join(',') || 'none'}`);
    let executions = 0;
    for await (const execution of rig.h.env.client.workflow.list({
      query: `WorkflowId = '${dataStreamWorkflowId(ds)}'`,
    })) {
      if (execution.status.name === 'RUNNING' || execution.status.name === 'COMPLETED') executions += 1;
    }
    const final = await completion(service, ds, 60_000);
    const report = await checkInvariants(rig.target, before, { upgrade: { status: final } });
    if (won !== 1) report.violations.push(`${won} starts won`);
    if (refusals.length !== 1 || refusals[0] !== 'resource_already_exists_exception')
      report.violations.push(
        `the loser was not refused with resource_already_exists_exception: ${refusals.join()}`,
      );
    // Visibility is eventually consistent: more than one is a violation, zero is only not yet listed.
    if (executions > 1) report.violations.push(`${executions} workflow executions for one data stream`);
    return [report];
  });
}

export interface KillOptions {
  kills: number;
  /** Kill once right after the swap of an index reached Elasticsearch (between swap and delete). */
  killAfterSwap: boolean;
  temporalAddress: string;
  esUrl: string;
  seed: number;
  indices: number;
  docsPerIndex: number;
  /** The copies' throttle (default 1,000 documents per second, Elasticsearch's default). */
  requestsPerSecond?: number;
  /**
   * Kill only while a copy is under way (CI: avoids the 2-minute start-to-close wait of a short step).
   * Each copy must then outlast the quick copy's wait (documents and throttle): otherwise none reports
   * progress, and the scenario fails saying so.
   */
  onlyMidCopy?: boolean;
  /** Bounds of its waits, so that a short form fits its test's timeout (defaults: the full form's). */
  timeoutsMs?: Partial<Record<'progress' | 'copy' | 'recovery' | 'completion', number>>;
}

/** The worker killed with SIGKILL at random moments, restarted each time, writers on throughout. */
export async function killedWorker(rig: Rig, options: KillOptions): Promise<ScenarioResult> {
  return timed('worker SIGKILLed at random moments, restarted each time, writers on', async (notes) => {
    const ds = uniqueName('rel-kill');
    const taskQueue = `${ds}-queue`;
    const service = rig.service(taskQueue);
    const rng = new Rng(options.seed);
    const requestsPerSecond = options.requestsPerSecond ?? 1000;
    const timeouts = { progress: 180_000, copy: 120_000, recovery: 300_000, completion: 600_000 };
    Object.assign(timeouts, options.timeoutsMs);
    const { before } = await seedAndSnapshot(rig, ds, indices(options.indices, options.docsPerIndex));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: requestsPerSecond });
    const spawnWorker = (): ChildProcess =>
      startWorkerProcess({ temporalAddress: options.temporalAddress, taskQueue, esUrl: options.esUrl });
    let worker = spawnWorker();
    const writer = new Writer(rig.es, ds, 50).start();
    let final: ReindexDataStreamStatus;
    try {
      await startUpgrade(service, rig.es, ds);
      const moments: string[] = [];
      if (options.killAfterSwap) {
        const swaps = (): number => rig.controls.requestCounts()['POST /_data_stream/_modify'] ?? 0;
        const baseline = swaps();
        await eventually(() => (swaps() > baseline ? true : undefined), 'a swap', 180_000, 2);
        await kill(worker);
        moments.push('after swap');
        worker = spawnWorker();
      }
      // A fingerprint of progress: a kill counts as a new moment only once the run moved past the last one.
      const progress = (st: ReindexDataStreamStatus | undefined): string =>
        st
          ? `${st.successes}:${st.in_progress.map((p) => `${p.index}=${p.reindexed_doc_count}`).join()}`
          : '';
      let lastKill = '';
      let copiesMissed = 0;
      for (let i = 0; i < options.kills; i += 1) {
        const moved = await eventually(
          async () => {
            const st = await service.status(ds);
            return st.complete || progress(st) !== lastKill ? st : undefined;
          },
          'progress since the last kill',
          timeouts.progress,
          100,
        ).catch(() => undefined);
        if (moved?.complete) break;
        if (options.onlyMidCopy)
          await copyUnderWay(service, ds, {
            timeoutMs: timeouts.copy,
            construction: `${options.docsPerIndex} documents per index at ${requestsPerSecond} per second`,
          });
        await sleep(rng.int(0, 2_500));
        const status = await service.status(ds).catch(() => undefined);
        if (status?.complete) break;
        if (options.onlyMidCopy && (status === undefined || !midCopy(status))) {
          // The copy ended during the random delay: wait for the next one (bounded by the copies left).
          copiesMissed += 1;
          if (copiesMissed > options.indices)
            throw new Error(
              `no copy was still under way after the random delay, ${copiesMissed} times: copies of ` +
                `${options.docsPerIndex} documents at ${requestsPerSecond} per second end too soon to be killed mid-copy`,
            );
          i -= 1;
          continue;
        }
        const killedAt = Date.now();
        await kill(worker);
        lastKill = progress(status);
        const copying = status?.in_progress[0];
        const where = copying
          ? `index ${(status?.successes ?? 0) + 1} copy ${copying.reindexed_doc_count}/${copying.total_doc_count}`
          : `after ${status?.successes ?? 0} indices`;
        worker = spawnWorker();
        // How long until the run moved again: the cost of this kill.
        const recovered = await eventually(
          async () => {
            const st = await service.status(ds);
            return st.complete || progress(st) !== lastKill ? Date.now() : undefined;
          },
          'progress after the kill',
          timeouts.recovery,
          100,
        ).catch(() => Date.now());
        moments.push(`${where} (+${Math.round((recovered - killedAt) / 1000)} s)`);
        lastKill = '';
      }
      notes.push(`${moments.length} kills, at: ${moments.join('; ')}`);
      if (copiesMissed > 0) notes.push(`${copiesMissed} copies ended during the random delay`);
      final = await completion(service, ds, timeouts.completion);
    } finally {
      await writer.stop();
      await kill(worker, 'SIGTERM');
    }
    notes.push(`${writer.acknowledged.size} writes acknowledged`);
    return [
      await checkInvariants(rig.target, before, {
        acknowledged: writer.acknowledged,
        upgrade: { status: final },
      }),
    ];
  });
}

/** True when no workflow for the data stream was ever started. */
export async function neverStarted(rig: Rig, dataStream: string): Promise<boolean> {
  try {
    await rig.h.env.client.workflow.getHandle(dataStreamWorkflowId(dataStream)).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    throw err;
  }
}

export type { InvariantOptions };

/** The Temporal dev server crashes mid-copy and comes back on the same port and file. */
export async function temporalServerRestart(
  rig: Rig,
  server: { address: string; crash(): Promise<void>; up(): Promise<void> },
  esUrl: string,
  downMs: number,
): Promise<ScenarioResult> {
  return timed('Temporal dev server killed mid-run and restarted', async (notes) => {
    const ds = uniqueName('rel-restart');
    const taskQueue = `${ds}-queue`;
    const service = rig.service(taskQueue);
    // 8 s per copy (two pauses of 1,000 documents / 250 per second) until lifted after the restart: far
    // past the quick copy's wait, so the status shows the first one under way, and the crash lands in it.
    const { seeded, before } = await seedAndSnapshot(rig, ds, indices(3, 3000));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 250 });
    const spawnWorker = (): ChildProcess =>
      startWorkerProcess({ temporalAddress: server.address, taskQueue, esUrl });
    let worker = spawnWorker();
    let respawns = 0;
    const writer = new Writer(rig.es, ds, 50).start();
    let final: ReindexDataStreamStatus;
    try {
      await startUpgrade(service, rig.es, ds);
      await copyUnderWay(service, ds, {
        index: seeded[0],
        timeoutMs: 60_000,
        construction: '3,000 documents at 250 per second',
      });
      const crashedAt = Date.now();
      await server.crash();
      // How long the server stays down: part of the scenario, not a wait for anything.
      await sleep(downMs);
      await server.up();
      notes.push(`server down ${Date.now() - crashedAt} ms`);
      await setMigrateSettings(rig.es, { maxRequestsPerSecond: -1 });
      final = await eventually(
        async () => {
          // A worker that gave up on the lost server is restarted, as a supervisor would; counted below.
          if (worker.exitCode !== null || worker.signalCode !== null) {
            respawns += 1;
            worker = spawnWorker();
          }
          const status = await service.status(ds).catch(() => undefined);
          return status?.complete ? status : undefined;
        },
        'completion after the server restart',
        240_000,
        250,
      );
    } finally {
      await writer.stop();
      await kill(worker, 'SIGTERM');
    }
    notes.push(`worker processes that exited and were restarted: ${respawns}`);
    return [
      await checkInvariants(rig.target, before, {
        acknowledged: writer.acknowledged,
        upgrade: { status: final },
      }),
    ];
  });
}
