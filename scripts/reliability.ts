/**
 * The reliability suite's full form: every scenario of test/reliability, more times, on a real Temporal
 * dev server and the sandbox, then RELIABILITY.md's table (scenario × runs × documents checked × lost).
 *
 *   npm run reliability [-- --kills 20 --kill-indices 24 --repeat 2 --seed 42]
 *
 * Exits 1 when any document was lost or any invariant broke. Takes about 20 minutes on 2 cores: most of
 * it is the worker-kill run, where every kill during a copy waits out the 30 s heartbeat timeout.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createUpgradeHarness, type UpgradeHarness } from '../test/support/upgrade-harness';
import { fuzzHttpApi } from '../test/reliability/http-fuzz';
import { rigFrom } from '../test/reliability/rig';
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
} from '../test/reliability/scenarios';
import { RestartableTemporal } from '../test/reliability/temporal-restart';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const results: ScenarioResult[] = [];

async function record(run: () => Promise<ScenarioResult>): Promise<void> {
  const started = Date.now();
  let result: ScenarioResult;
  try {
    result = await run();
  } catch (err) {
    // A scenario that could not finish is a failure of the suite, recorded like any other.
    result = {
      scenario: 'scenario aborted',
      documentsChecked: 0,
      documentsLost: 0,
      violations: [err instanceof Error ? err.message : String(err)],
      notes: [],
      durationMs: Date.now() - started,
    };
  }
  results.push(result);
  const verdict = result.violations.length === 0 && result.documentsLost === 0 ? 'ok' : 'FAILED';
  console.log(
    `${verdict.padEnd(6)} ${result.scenario} — ${result.documentsChecked} docs checked, ${result.documentsLost} lost, ${(result.durationMs / 1000).toFixed(1)} s${result.notes.length ? ` (${result.notes.join('; ')})` : ''}`,
  );
  for (const violation of result.violations.slice(0, 10)) console.log(`         ${violation}`);
}

/** The scenario family, without the step name or K, so repetitions share a row. */
function family(scenario: string): string {
  return scenario.replace(/ after \d+ documents/, ' after K documents');
}

function table(): string {
  const rows = new Map<
    string,
    { runs: number; checked: number; lost: number; broken: number; ms: number[] }
  >();
  for (const r of results) {
    const key = family(r.scenario);
    const row = rows.get(key) ?? { runs: 0, checked: 0, lost: 0, broken: 0, ms: [] };
    row.runs += 1;
    row.checked += r.documentsChecked;
    row.lost += r.documentsLost;
    row.broken += r.violations.length;
    row.ms.push(r.durationMs);
    rows.set(key, row);
  }
  const lines = [
    '| scenario | runs | documents checked | documents lost | other violations | median run (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [scenario, row] of rows) {
    const sorted = [...row.ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    lines.push(
      `| ${scenario} | ${row.runs} | ${row.checked.toLocaleString('en-US')} | ${row.lost} | ${row.broken} | ${(median / 1000).toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

async function run(): Promise<void> {
  const kills = option('kills', 20);
  const repeat = option('repeat', 2);
  const seed = option('seed', 42);
  const started = Date.now();
  const queue = 'reliability-full';
  const h: UpgradeHarness = await createUpgradeHarness(queue);
  const rig = rigFrom(h);
  await h.startWorker();
  try {
    for (let i = 0; i < repeat; i += 1) {
      await record(() => overloadedCluster(rig, queue, 3_000));
      for (const k of [1, 150, 599]) await record(() => reindexFailsAfterK(rig, queue, k));
      await record(() => meddlingOperator(rig, queue));
      for (const boundary of STEP_BOUNDARIES) await record(() => cancelAtStep(rig, queue, boundary));
      for (let r = 0; r < 3; r += 1) await record(() => racingStarts(rig, queue));
      await record(() => fuzzHttpApi(rig, queue, 500, seed + i));
    }
    await record(() =>
      killedWorker(rig, {
        kills,
        killAfterSwap: true,
        temporalAddress: h.env.address,
        esUrl: h.target.url,
        seed,
        // Enough indices that the run outlasts the kills: each kill waits for progress past the last one.
        indices: option('kill-indices', 24),
        docsPerIndex: 2_000,
      }),
    );
  } finally {
    await h.close();
  }

  const server = await RestartableTemporal.start();
  process.env.TEMPORAL_ADDRESS = server.address;
  const restartHarness = await createUpgradeHarness('reliability-restart');
  delete process.env.TEMPORAL_ADDRESS;
  try {
    for (let i = 0; i < repeat; i += 1)
      await record(() =>
        temporalServerRestart(rigFrom(restartHarness), server, restartHarness.target.url, 3_000),
      );
  } finally {
    await restartHarness.close();
    await server.close();
  }

  const lost = results.reduce((sum, r) => sum + r.documentsLost, 0);
  const broken = results.reduce((sum, r) => sum + r.violations.length, 0);
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}`;
  const killNotes = results.filter((r) => r.scenario.startsWith('worker SIGKILLed')).flatMap((r) => r.notes);
  const document = `# Reliability

What \`npm run reliability\` (\`scripts/reliability.ts\`) measured: every scenario of \`test/reliability\`
against a real Temporal dev server, real workers and the Elasticsearch sandbox, each followed by the
invariant check of \`test/reliability/invariants.ts\` (every seeded and every acknowledged document present
exactly once with its source; old indices replaced by \`.migrated-\` copies, or restored when the scenario
expects a failure; the write index unblocked; no orphan copy or blocked index anywhere; replicas, refresh
interval, lifecycle name and origination date carried over).

The short form runs in CI as the jest project \`reliability\` (\`npx jest --selectProjects reliability
--runInBand\`, about 1.5 to 2 minutes on 2 cores): each scenario once, one mid-copy kill, one server restart,
150 hostile HTTP requests, and a test that the checker itself reports planted damage. Skipped when
\`ES_URL\` is set (it needs the sandbox's fault controls).

Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}. Seed ${seed}, ${repeat} repetitions,
${kills} random kills (plus one right after a swap). Total ${((Date.now() - started) / 60_000).toFixed(1)} minutes.

${table()}

**Documents lost: ${lost}. Other violations: ${broken}.**

Worker-kill run (where each kill landed, and how long until the run moved again): ${killNotes.join('; ')}.

A kill during a copy costs the 30 s heartbeat timeout; a kill during a short Elasticsearch step costs that
step's 10 s heartbeat timeout (since commit 54b5c70; before it, the step's 2-minute start-to-close
timeout); a kill between activities costs at most the 10 s workflow task timeout.
`;
  writeFileSync(resolve(__dirname, '../RELIABILITY.md'), document);
  console.log(`\n${table()}\n\nlost ${lost}, violations ${broken}; RELIABILITY.md written`);
  if (lost > 0 || broken > 0) process.exitCode = 1;
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
