import type { ChildProcess } from 'node:child_process';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SeedIndexContent } from '@ds-reindex/es-sandbox';
import { dataStreamWorkflowId } from '../../src/shared/names';
import type { ReindexDataStreamStatus } from '../../src/shared/status';
import { eventually, setMigrateSettings, sleep } from '../support';
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
    await completion(service, ds, 240_000);
    await writer.stop();
    notes.push(`${writer.acknowledged.size} of ${writer.attempts} writes acknowledged`);
    return [await checkInvariants(rig.target, before, { acknowledged: writer.acknowledged })];
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
    const failedRun = await checkInvariants(rig.target, before, { expectFailed: [victim] });
    if (first.errors.map((e) => e.index).join() !== victim)
      failedRun.violations.push(`expected exactly ${victim} to fail, got ${JSON.stringify(first.errors)}`);
    await startUpgrade(service, rig.es, ds);
    await completion(service, ds, 120_000);
    const rerun = await checkInvariants(rig.target, before);
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
      // 2.4 s of copying at the throttle below: past the quick copy's wait, so the status shows it.
      { docCount: 6000, settings: CUSTOM_SETTINGS },
      { docCount: 200 },
      { docCount: 200, settings: CUSTOM_SETTINGS },
      { docCount: 200 },
      { docCount: 50 },
    ]);
    const [first, doomed, closed, blocked] = seeded as [string, string, string, string];
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 2500 });
    const writer = new Writer(rig.es, ds).start();
    let final: Awaited<ReturnType<typeof completion>>;
    try {
      await startUpgrade(service, rig.es, ds);
      await eventually(
        async () => {
          const status = await service.status(ds);
          return status.in_progress.some((p) => p.index === first && p.reindexed_doc_count > 0)
            ? true
            : undefined;
        },
        'the first copy to be under way',
        60_000,
      );
      await rig.es.indices.delete({ index: doomed });
      await rig.es.indices.close({ index: closed });
      await rig.es.indices.addBlock({ index: blocked, block: 'write' });
      final = await completion(service, ds, 120_000);
    } finally {
      // Stopped whatever happened: a writer left running keeps jest from exiting.
      await writer.stop();
    }
    notes.push(`errors: ${JSON.stringify(final.errors)}; ${writer.acknowledged.size} writes acknowledged`);
    const report = await checkInvariants(rig.target, before, {
      acknowledged: writer.acknowledged,
      deletedByOthers: [doomed],
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
    await startUpgrade(service, rig.es, ds);
    await completion(service, ds, 120_000);
    const report = await checkInvariants(rig.target, before);
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
    await completion(service, ds, 60_000);
    const report = await checkInvariants(rig.target, before);
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
  /** Kill only while a copy is under way (CI: avoids the 2-minute start-to-close wait of a short step). */
  onlyMidCopy?: boolean;
}

/** The worker killed with SIGKILL at random moments, restarted each time, writers on throughout. */
export async function killedWorker(rig: Rig, options: KillOptions): Promise<ScenarioResult> {
  return timed('worker SIGKILLed at random moments, restarted each time, writers on', async (notes) => {
    const ds = uniqueName('rel-kill');
    const taskQueue = `${ds}-queue`;
    const service = rig.service(taskQueue);
    const rng = new Rng(options.seed);
    const { before } = await seedAndSnapshot(rig, ds, indices(options.indices, options.docsPerIndex));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 1000 });
    const spawnWorker = (): ChildProcess =>
      startWorkerProcess({ temporalAddress: options.temporalAddress, taskQueue, esUrl: options.esUrl });
    let worker = spawnWorker();
    const writer = new Writer(rig.es, ds, 50).start();
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
      for (let i = 0; i < options.kills; i += 1) {
        const moved = await eventually(
          async () => {
            const st = await service.status(ds);
            return st.complete || progress(st) !== lastKill ? st : undefined;
          },
          'progress since the last kill',
          180_000,
          100,
        ).catch(() => undefined);
        if (moved?.complete) break;
        if (options.onlyMidCopy)
          await eventually(
            async () =>
              ((await service.status(ds)).in_progress[0]?.reindexed_doc_count ?? 0) > 0 || undefined,
            'a copy under way',
            120_000,
          );
        await sleep(rng.int(0, 2_500));
        const status = await service.status(ds).catch(() => undefined);
        if (status?.complete) break;
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
          300_000,
          100,
        ).catch(() => Date.now());
        moments.push(`${where} (+${Math.round((recovered - killedAt) / 1000)} s)`);
        lastKill = '';
      }
      notes.push(`${moments.length} kills, at: ${moments.join('; ')}`);
      await completion(service, ds, 600_000);
    } finally {
      await writer.stop();
      await kill(worker, 'SIGTERM');
    }
    notes.push(`${writer.acknowledged.size} writes acknowledged`);
    return [await checkInvariants(rig.target, before, { acknowledged: writer.acknowledged })];
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
    // 3 s per copy: past the quick copy's wait, so the status shows the first one under way.
    const { seeded, before } = await seedAndSnapshot(rig, ds, indices(3, 3000));
    await setMigrateSettings(rig.es, { maxRequestsPerSecond: 1000 });
    const spawnWorker = (): ChildProcess =>
      startWorkerProcess({ temporalAddress: server.address, taskQueue, esUrl });
    let worker = spawnWorker();
    let respawns = 0;
    const writer = new Writer(rig.es, ds, 50).start();
    try {
      await startUpgrade(service, rig.es, ds);
      await eventually(
        async () => {
          const status = await service.status(ds);
          return status.in_progress.some((p) => p.index === seeded[0] && p.reindexed_doc_count > 0)
            ? true
            : undefined;
        },
        'the first copy to be under way',
        60_000,
      );
      const crashedAt = Date.now();
      await server.crash();
      await sleep(downMs);
      await server.up();
      notes.push(`server down ${Date.now() - crashedAt} ms`);
      await eventually(
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
    return [await checkInvariants(rig.target, before, { acknowledged: writer.acknowledged })];
  });
}
