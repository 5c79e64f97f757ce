/**
 * What each step of one backing index's upgrade costs the Elasticsearch node (issue 25): the node's own CPU
 * (from `/proc` when the node runs on this machine, else `GET _nodes/stats/process`) and the time, per
 * index, for every step the worker sends, beside the copy itself.
 *
 *   ES_URL=http://127.0.0.1:9200 npm run bench:node-steps [-- --indices 20 --docs 20000 --runs 1 --no-write]
 *
 * Seeds a data stream of `--indices` old backing indices × `--docs` documents with the real node's seeder
 * (`../shared/real-es/seed-old-data-stream.mjs`), rolls it over, then runs the upgrade's steps with the
 * worker's own activity functions, one step over every index before the next step (so each step's CPU is
 * measured alone, nothing else running on the node): read the source, block writes and refresh, create the
 * destination, copy (one synchronous `_reindex` with the copy activity's request), verify counts, restore
 * settings, wait for health, swap, delete the source. The bare loop of `bench:real-es` does the create, the
 * copy, a refresh and a count, and a delete; everything else is what the upgrade adds.
 *
 * Prints a Markdown table and appends it, with the date, the machine and the command, to the "What each step
 * costs the node" section of docs/benchmarks-log.md (not with `--no-write`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  appendToBenchmarkLog,
  benchLogEntry,
  flag,
  median,
  processCpuMs,
  realNodeActivityBench,
  seedOldDataStream,
} from './bench-support';
import type { ActivityDependencies } from '../src/activities/dependencies';
import { createDestinationIndexActivities } from '../src/activities/destination-index-activities';
import type { SourceFacts } from '../src/activities/source-facts';
import { createSourceIndexActivities } from '../src/activities/source-index-activities';
import { createSwapActivities } from '../src/activities/swap-activities';
import { destinationIndexName } from '../src/shared/names';

const SECTION = 'What each step costs the node (issue 25)';

/** One backing index as the steps see it. */
interface IndexUnderTest {
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  facts?: SourceFacts;
}

interface Step {
  name: string;
  /** Part of the bare loop `bench:real-es` compares with (create, copy, refresh and count, delete). */
  inBareLoop: boolean;
  run(index: IndexUnderTest): Promise<unknown>;
}

/** Whether `pid` is an Elasticsearch process on this machine (a remote node's pid may be anything here). */
function isLocalElasticsearch(pid: number | undefined): pid is number {
  if (pid === undefined || !existsSync(`/proc/${pid}/cmdline`)) return false;
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('org.elasticsearch');
}

/**
 * The node's CPU time so far, in ms. From `/proc/<pid>/stat` when the node runs on this machine (one node);
 * otherwise from `GET _nodes/stats/process`, summed over the nodes, after waiting out the second for which
 * Elasticsearch caches that figure (`monitor.process.refresh_interval`).
 */
async function nodeCpuReader(es: Client): Promise<() => Promise<number>> {
  const info = await es.nodes.info({ metric: 'process' });
  const pids = Object.values(info.nodes).map((node) => node.process?.id);
  const pid = pids.length === 1 ? pids[0] : undefined;
  if (isLocalElasticsearch(pid)) {
    return () => {
      const cpuMs = processCpuMs(pid);
      if (cpuMs === undefined) throw new Error(`Elasticsearch (pid ${pid}) is gone`);
      return Promise.resolve(cpuMs);
    };
  }
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const stats = await es.nodes.stats({ metric: 'process' });
    return Object.values(stats.nodes).reduce(
      (total, node) => total + (node.process?.cpu?.total_in_millis ?? 0),
      0,
    );
  };
}

/** The upgrade's steps, in the worker's order, through its own activity functions. */
function upgradeSteps(deps: ActivityDependencies): Step[] {
  const source = createSourceIndexActivities(deps);
  const destination = createDestinationIndexActivities(deps);
  const swap = createSwapActivities(deps);
  const factsOf = (index: IndexUnderTest): SourceFacts => {
    if (index.facts === undefined) throw new Error(`${index.sourceIndex}: its source was not read`);
    return index.facts;
  };
  return [
    {
      name: 'read the source (settings, stats, health)',
      inBareLoop: false,
      run: async (index) => {
        index.facts = await source.readSourceFacts(index.sourceIndex);
      },
    },
    {
      name: 'block writes and refresh the source',
      inBareLoop: false,
      run: (index) => source.blockSourceWrites(index.sourceIndex),
    },
    {
      name: 'create the destination (settings and mappings read, index created)',
      inBareLoop: true,
      run: (index) => destination.createDestination(index),
    },
    {
      name: "copy (one synchronous `_reindex`, the copy activity's request)",
      inBareLoop: true,
      run: (index) =>
        deps.es.reindex({
          slices: 'auto',
          conflicts: 'proceed',
          source: { index: index.sourceIndex },
          dest: { index: index.destinationIndex, op_type: 'create' },
          wait_for_completion: true,
        }),
    },
    {
      name: 'verify counts (refresh both, count both)',
      inBareLoop: true,
      run: (index) => destination.verifyDocumentCount(index),
    },
    {
      name: 'restore replicas, refresh interval and ILM age',
      inBareLoop: false,
      run: (index) => {
        const facts = factsOf(index);
        return destination.restoreDestinationSettings({
          destinationIndex: index.destinationIndex,
          numberOfReplicas: facts.numberOfReplicas,
          refreshInterval: facts.refreshInterval,
          lifecycleOriginationDate: facts.lifecycleOriginationDate ?? facts.creationDate,
        });
      },
    },
    {
      name: 'wait for the health the source had',
      inBareLoop: false,
      run: (index) =>
        destination.waitForDestinationHealth({
          destinationIndex: index.destinationIndex,
          sourceHealth: factsOf(index).health,
        }),
    },
    {
      name: 'swap into the data stream',
      inBareLoop: false,
      run: (index) => swap.swapBackingIndex(index),
    },
    {
      name: 'delete the source',
      inBareLoop: true,
      run: (index) => swap.deleteSourceIndex(index.sourceIndex),
    },
  ];
}

/**
 * Node CPU and wall time of one step over every index, per index, in ms. Each step runs in an activity
 * context, as the worker runs it (its requests heartbeat and read the activity's info).
 */
async function measureStep(
  nodeCpuMs: () => Promise<number>,
  step: Step,
  indices: IndexUnderTest[],
): Promise<{ cpuMs: number; wallMs: number }> {
  const environment = new MockActivityEnvironment();
  const cpuBefore = await nodeCpuMs();
  const started = process.hrtime.bigint();
  for (const index of indices) await environment.run(() => step.run(index));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuMs = (await nodeCpuMs()) - cpuBefore;
  return { cpuMs: cpuMs / indices.length, wallMs: wallMs / indices.length };
}

async function seededIndices(
  es: Client,
  url: string,
  dataStream: string,
  indices: number,
  docs: number,
): Promise<IndexUnderTest[]> {
  await es.indices.deleteDataStream({ name: dataStream }, { ignore: [404] });
  const names = await seedOldDataStream(
    url,
    dataStream,
    Array.from({ length: indices }, () => docs),
  );
  // The upgrade rolls over first: every seeded index is then an old backing index, none the write index.
  await es.indices.rollover({ alias: dataStream });
  return names.map((sourceIndex) => ({
    dataStream,
    sourceIndex,
    destinationIndex: destinationIndexName(sourceIndex),
  }));
}

async function main(): Promise<void> {
  const { url, indices, docs, runs, deps } = realNodeActivityBench();
  const { es } = deps;
  const steps = upgradeSteps(deps);
  const nodeCpuMs = await nodeCpuReader(es);
  const figures = steps.map(() => ({ cpuMs: [] as number[], wallMs: [] as number[] }));
  const dataStream = `bench-node-steps-${indices}x${docs}`;
  for (let run = 0; run < runs; run += 1) {
    console.log(`run ${run + 1}: seeding ${dataStream}, ${indices} × ${docs} documents...`);
    const seeded = await seededIndices(es, url, dataStream, indices, docs);
    for (const [at, step] of steps.entries()) {
      const { cpuMs, wallMs } = await measureStep(nodeCpuMs, step, seeded);
      figures[at]?.cpuMs.push(cpuMs);
      figures[at]?.wallMs.push(wallMs);
      console.log(`  ${step.name}: node CPU ${cpuMs.toFixed(1)} ms, ${wallMs.toFixed(1)} ms per index`);
    }
    await es.indices.deleteDataStream({ name: dataStream }, { ignore: [404] });
  }
  await es.close();
  const medians = steps.map((step, at) => ({
    step,
    cpuMs: median(figures[at]?.cpuMs ?? []),
    wallMs: median(figures[at]?.wallMs ?? []),
  }));
  await report(indices, docs, runs, medians);
}

async function report(
  indices: number,
  docs: number,
  runs: number,
  medians: { step: Step; cpuMs: number; wallMs: number }[],
): Promise<void> {
  const copy = medians.find((row) => row.step.name.startsWith('copy'));
  const copyCpuMs = copy?.cpuMs ?? 0;
  const total = (rows: typeof medians) => ({
    cpuMs: rows.reduce((sum, row) => sum + row.cpuMs, 0),
    wallMs: rows.reduce((sum, row) => sum + row.wallMs, 0),
  });
  const line = (name: string, { cpuMs, wallMs }: { cpuMs: number; wallMs: number }) =>
    `| ${name} | ${cpuMs.toFixed(1)} ms | ${wallMs.toFixed(1)} ms | ${((100 * cpuMs) / copyCpuMs).toFixed(0)} % |`;
  const table = [
    `| step (per index, ${indices} × ${docs.toLocaleString('en-US')} documents, median of ${runs}) | node CPU | time | node CPU, share of the copy's |`,
    '| --- | ---: | ---: | ---: |',
    ...medians.map((row) => line(`${row.step.inBareLoop ? '' : '+ '}${row.step.name}`, row)),
    line("**the bare loop's steps**", total(medians.filter((row) => row.step.inBareLoop))),
    line('**what the upgrade adds (+)**', total(medians.filter((row) => !row.step.inBareLoop))),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (flag('no-write')) return;
  const entry = benchLogEntry({
    title: `${indices} indices × ${docs.toLocaleString('en-US')} documents`,
    command: `ES_URL=… npm run bench:node-steps -- --indices ${indices} --docs ${docs} --runs ${runs}`,
    body: table,
  });
  const intro =
    "Each step of one backing index's upgrade run with the worker's own activity functions over every index " +
    "before the next step (`scripts/bench-node-steps.ts`); the node's CPU from `/proc/<pid>/stat` when it " +
    'runs on the same machine, else from `GET _nodes/stats/process`. Steps marked + are what the upgrade ' +
    'adds to the bare loop of `bench:real-es` (create, copy, refresh and count, delete).';
  await appendToBenchmarkLog(SECTION, intro, entry);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
