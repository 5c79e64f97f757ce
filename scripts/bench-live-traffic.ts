/**
 * What an upgrade does to live traffic on a real Elasticsearch 8.19.21 node (issue 25, item 3):
 *
 *   npm run bench:live-traffic [-- --indices 10 --docs 20000 --write-rate 2000 --bulk 500 --search-rate 10
 *                                  --baseline-s 45 --max-phase-s 120 --no-write]
 *
 * A writer sends `--write-rate` documents a second in bulks of `--bulk` into a data stream of the current
 * version that no upgrade touches, and a searcher runs `--search-rate` searches a second on it (a sorted
 * range query over the last minute with a per-second histogram), both open-loop from a process of their
 * own (`live-traffic-generator.ts`). Their latency and errors are measured:
 * 1. with no upgrade, for `--baseline-s` seconds before each of the upgrades below (the seeding done);
 * 2. during an unthrottled upgrade, one index at a time (Elasticsearch's default concurrency);
 * 3. during one throttled at Elasticsearch's default of 1,000 documents a second;
 * 4. during an unthrottled one, three indices at a time.
 * Each upgrade is of a fresh data stream of `--indices` old (7.17) backing indices × `--docs` documents,
 * seeded by the real node's seeder before its phase (traffic during seeding is not counted). A phase ends
 * when the upgrade completes, or after `--max-phase-s`, when the upgrade is cancelled (a throttled upgrade
 * of the default size takes longer than that; its traffic figures need no more).
 *
 * Elasticsearch: the node at `ES_URL`, or else one built and started from `../shared/real-es` on
 * `--es-port` (9255). Temporal: a dev server from the test-environment factory; the worker runs in this
 * process with production intervals. Prints one table and appends it, with the date, the machine and the
 * command, to the "Live traffic during an upgrade" section of docs/benchmarks-log.md (not with `--no-write`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Client as TemporalClient } from '@temporalio/client';
import { createTestEnvironment } from '../test/support/temporal-env';
import { resetMigrateSettings, setMigrateSettings } from '../test/support/settings';
import {
  appendToBenchmarkLog,
  benchWorker,
  flag,
  benchLogEntry,
  numberOption,
  realEsNode,
  seedOldDataStream,
} from './bench-support';
import type { ParentMessage, PhaseTraffic, ReportMessage, TrafficOptions } from './live-traffic-generator';
import { loadConfig } from '../src/config';
import { ReindexService } from '../src/client/service/reindex-service';
import { dataStreamWorkflowId, destinationIndexName } from '../src/shared/names';
import type { reindexDataStream } from '../src/workflows';

const SECTION = 'Live traffic during an upgrade (issue 25, item 3)';
const TASK_QUEUE = 'bench-live-traffic';
const LIVE_DATA_STREAM = 'live-traffic';
const NO_UPGRADE = 'no upgrade';
/** Traffic before the first phase, not counted: the node's and the client's first requests are slow. */
const WARM_UP_MS = 15_000;

interface Scenario {
  phase: string;
  requestsPerSecond: number;
  concurrency: number;
}

const SCENARIOS: Scenario[] = [
  { phase: 'upgrade, unthrottled, 1 index at a time', requestsPerSecond: -1, concurrency: 1 },
  { phase: 'upgrade, throttled at 1,000 docs/s (the default)', requestsPerSecond: 1000, concurrency: 1 },
  { phase: 'upgrade, unthrottled, 3 indices at a time', requestsPerSecond: -1, concurrency: 3 },
];

/** What happened to the upgrade during a phase, for the table. */
interface UpgradeOutcome {
  documents: number;
  elapsedMs: number;
  completed: boolean;
}

interface UpgradeContext {
  es: Client;
  temporal: TemporalClient;
  service: ReindexService;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function createLiveDataStream(es: Client): Promise<void> {
  await es.indices.deleteDataStream({ name: LIVE_DATA_STREAM }, { ignore: [404] });
  await es.indices.putIndexTemplate({
    name: `${LIVE_DATA_STREAM}-template`,
    index_patterns: [LIVE_DATA_STREAM],
    data_stream: {},
    priority: 500,
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { '@timestamp': { type: 'date' }, n: { type: 'long' } } },
    },
  });
  await es.indices.createDataStream({ name: LIVE_DATA_STREAM });
}

async function removeDataStream(es: Client, name: string): Promise<void> {
  await es.indices.deleteDataStream({ name }, { ignore: [404] });
  await es.indices.deleteIndexTemplate({ name: `${name}-template` }, { ignore: [404] });
}

function startTraffic(options: TrafficOptions): ChildProcess {
  const child = fork(join(__dirname, 'live-traffic-generator.ts'), [JSON.stringify(options)], {
    stdio: 'inherit',
  });
  child.on('exit', (code) => {
    if (code !== 0) console.error(`the traffic generator exited with ${code}`);
  });
  return child;
}

function trafficReport(child: ChildProcess): Promise<PhaseTraffic[]> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: ReportMessage) => resolve(message.phases));
    child.once('exit', (code) =>
      reject(new Error(`the traffic generator exited with ${code} before its report`)),
    );
    child.send({ type: 'stop' } satisfies ParentMessage);
  });
}

function beginPhase(child: ChildProcess, name: string): void {
  child.send({ type: 'phase', name } satisfies ParentMessage);
}

/**
 * Upgrades `dataStream` through the service until its workflow ends or `maxMs` passes, then cancels it.
 * The end is read from the workflow's result: with the status retention of 1 ms its status is gone
 * moments after it completes.
 */
async function upgradeFor(
  ctx: UpgradeContext,
  dataStream: string,
  documents: number,
  maxMs: number,
): Promise<UpgradeOutcome> {
  const startedMs = performance.now();
  await ctx.service.start(ctx.es, dataStream);
  const handle = ctx.temporal.workflow.getHandle<typeof reindexDataStream>(dataStreamWorkflowId(dataStream));
  const result = await Promise.race([handle.result(), sleep(maxMs).then(() => undefined)]);
  const elapsedMs = performance.now() - startedMs;
  if (result !== undefined) {
    if (result.errors.length > 0)
      throw new Error(`upgrade of ${dataStream}: ${JSON.stringify(result.errors)}`);
    return { documents, elapsedMs, completed: true };
  }
  const copied = await documentsCopiedSoFar(ctx.es, dataStream);
  const status = await ctx.service.status(dataStream);
  console.log(`cancelling after ${Math.round(elapsedMs / 1000)} s, at ${JSON.stringify(status)}`);
  await ctx.service.cancel(dataStream);
  return { documents: copied, elapsedMs, completed: false };
}

/** Documents in the new indices of `dataStream`'s upgrade, swapped in or still being copied. */
async function documentsCopiedSoFar(es: Client, dataStream: string): Promise<number> {
  const newIndices = `${destinationIndexName(`.ds-${dataStream}-`)}*`;
  await es.indices.refresh({ index: newIndices, expand_wildcards: 'all' });
  return (await es.count({ index: newIndices, expand_wildcards: 'all' })).count;
}

async function runScenarios(
  ctx: UpgradeContext,
  url: string,
  traffic: ChildProcess,
): Promise<Map<string, UpgradeOutcome>> {
  const { es } = ctx;
  const indices = numberOption('indices', 10);
  const docs = numberOption('docs', 20_000);
  const maxMs = numberOption('max-phase-s', 120) * 1000;
  const outcomes = new Map<string, UpgradeOutcome>();
  await sleep(WARM_UP_MS);
  for (const [at, scenario] of SCENARIOS.entries()) {
    const dataStream = `live-upgrade-${at + 1}`;
    beginPhase(traffic, `seeding ${dataStream}`);
    console.log(`seeding ${dataStream}: ${indices} × ${docs} documents...`);
    await removeDataStream(es, dataStream);
    await seedOldDataStream(
      url,
      dataStream,
      Array.from({ length: indices }, () => docs),
    );
    await setMigrateSettings(es, {
      maxRequestsPerSecond: scenario.requestsPerSecond,
      maxConcurrentIndices: scenario.concurrency,
    });
    // A baseline right before each upgrade: on a shared machine the load drifts between scenarios.
    beginPhase(traffic, `${NO_UPGRADE} (before ${at + 1})`);
    await sleep(numberOption('baseline-s', 45) * 1000);
    beginPhase(traffic, scenario.phase);
    console.log(`${scenario.phase}...`);
    outcomes.set(scenario.phase, await upgradeFor(ctx, dataStream, indices * docs, maxMs));
    beginPhase(traffic, `after ${dataStream}`);
    await removeDataStream(es, dataStream);
  }
  return outcomes;
}

async function main(): Promise<void> {
  const node = await realEsNode(9255);
  const es = new Client({ node: node.url, maxRetries: 0, requestTimeout: 300_000 });
  const env = await createTestEnvironment({});
  try {
    await createLiveDataStream(es);
    const worker = await benchWorker(env, TASK_QUEUE, node.url, loadConfig({}).worker);
    const service = new ReindexService({ temporal: env.client, taskQueue: TASK_QUEUE, statusRetentionMs: 1 });
    const traffic = startTraffic({
      url: node.url,
      dataStream: LIVE_DATA_STREAM,
      writeRate: numberOption('write-rate', 2000),
      bulkSize: numberOption('bulk', 500),
      searchRate: numberOption('search-rate', 10),
    });
    const ctx: UpgradeContext = { es, temporal: env.client, service };
    const outcomes = await worker.runUntil(() => runScenarios(ctx, node.url, traffic));
    const phases = await trafficReport(traffic);
    await report(phases, outcomes);
  } finally {
    await resetMigrateSettings(es).catch(() => undefined);
    await removeDataStream(es, LIVE_DATA_STREAM).catch(() => undefined);
    await es.close();
    await env.teardown();
    await node.stop();
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const ms = (value: number): string => (Number.isNaN(value) ? '–' : `${Math.round(value)} ms`);
const integer = (value: number): string => Math.round(value).toLocaleString('en-US');

function upgradeCell(outcome: UpgradeOutcome | undefined): string {
  if (outcome === undefined) return '–';
  const rate = `${integer(outcome.documents / (outcome.elapsedMs / 1000))} docs/s`;
  const end = outcome.completed ? 'completed' : 'cancelled';
  return `${rate}; ${end} after ${(outcome.elapsedMs / 1000).toFixed(0)} s`;
}

function phaseRow(phase: PhaseTraffic, outcome: UpgradeOutcome | undefined): string {
  const seconds = phase.durationMs / 1000;
  return [
    phase.name,
    `${seconds.toFixed(0)} s`,
    `${integer(phase.documentsWritten / seconds)} docs/s`,
    ms(percentile(phase.writeLatenciesMs, 50)),
    ms(percentile(phase.writeLatenciesMs, 99)),
    String(phase.writeErrors),
    ms(percentile(phase.searchLatenciesMs, 50)),
    ms(percentile(phase.searchLatenciesMs, 99)),
    String(phase.searchErrors),
    upgradeCell(outcome),
  ].join(' | ');
}

async function report(phases: PhaseTraffic[], outcomes: Map<string, UpgradeOutcome>): Promise<void> {
  const measured = phases.filter((phase) => phase.name.startsWith(NO_UPGRADE) || outcomes.has(phase.name));
  const table = [
    '| phase | length | written | bulk p50 | bulk p99 | bulk errors | search p50 | search p99 | search errors | upgrade |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...measured.map((phase) => `| ${phaseRow(phase, outcomes.get(phase.name))} |`),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (flag('no-write')) return;
  const command = `npm run bench:live-traffic${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const entry = benchLogEntry({ command, body: table });
  const intro =
    'A writer (bulks into a data stream of the current version, open-loop) and a searcher beside an ' +
    'upgrade of another data stream on the same real node (`scripts/bench-live-traffic.ts`). Latency ' +
    'counts from when a request was due; an error is a failed request or item, or one not sent because ' +
    '64 of its kind were still unanswered.';
  await appendToBenchmarkLog(SECTION, intro, entry);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
