/**
 * What each verification mode costs on a real Elasticsearch 8.19.21 node (issue 23, item 5):
 *
 *   ES_URL=http://127.0.0.1:9200 npm run bench:verify [-- --indices 20 --docs 20000 --runs 1 --no-write]
 *
 * Seeds a data stream of `--indices` old backing indices × `--docs` documents with the real node's
 * seeder (`../shared/real-es/seed-old-data-stream.mjs`, `REAL_ES_DIR`), then, for each backing index and
 * each run: copies it as the product does (the destination created by `createDestinationLike`, one
 * synchronous `_reindex` with the copy activity's request, unthrottled), then times on that copy, in turn,
 * the three verifications as the worker runs them: `count` (`verifyDocumentCount`: a refresh of both
 * indices and two counts) and the `verifyDocuments` activity with `ids` and with `content` (run in a
 * `MockActivityEnvironment`, with the worker's default batch of 5,000 documents). The copy is deleted
 * again. Figures: the sum over the indices (median over runs), seconds per million documents, and the
 * ratio to the copy's own time.
 *
 * Prints a Markdown table and appends it, with the date, the machine and the command, to the
 * "Verification cost" section of docs/benchmarks-log.md (not with `--no-write`).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  appendToBenchmarkLog,
  flag,
  benchLogEntry,
  median,
  realNodeActivityBench,
  seedOldDataStream,
} from './bench-support';
import {
  createDestinationIndexActivities,
  createDestinationLike,
} from '../src/activities/destination-index-activities';
import { createVerifyDocumentsActivity } from '../src/activities/verify-documents-activity';
import { destinationIndexName } from '../src/shared/names';

const SECTION = 'Verification cost (issue 23, item 5)';
const MODES = ['count', 'ids', 'content'] as const;
type Step = 'copy' | (typeof MODES)[number];

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const { url, indices, docs, runs, deps } = realNodeActivityBench();
  const { es } = deps;
  const destination = createDestinationIndexActivities(deps);
  const verifier = createVerifyDocumentsActivity(deps);
  const environment = new MockActivityEnvironment();

  const ds = `bench-verify-${indices}x${docs}`;
  await es.indices.deleteDataStream({ name: ds }, { ignore: [404] });
  console.log(`seeding ${ds}: ${indices} × ${docs} documents...`);
  const names = await seedOldDataStream(
    url,
    ds,
    Array.from({ length: indices }, () => docs),
  );
  const times: Record<Step, number[]> = { copy: [], count: [], ids: [], content: [] };
  for (let run = 0; run < runs; run += 1) {
    const sum: Record<Step, number> = { copy: 0, count: 0, ids: 0, content: 0 };
    for (const sourceIndex of names) {
      const destinationIndex = destinationIndexName(sourceIndex);
      await es.indices.delete({ index: destinationIndex }, { ignore: [404] });
      sum.copy += await timed(async () => {
        await createDestinationLike(es, { sourceIndex, destinationIndex });
        await es.reindex({
          slices: 'auto',
          conflicts: 'proceed',
          source: { index: sourceIndex },
          dest: { index: destinationIndex, op_type: 'create' },
          wait_for_completion: true,
        });
      });
      // Inside an activity's context, as the worker runs them (their steps heartbeat).
      sum.count += await timed(() =>
        environment.run((input) => destination.verifyDocumentCount(input), { sourceIndex, destinationIndex }),
      );
      for (const mode of ['ids', 'content'] as const) {
        sum[mode] += await timed(() =>
          environment.run((input) => verifier.verifyDocuments(input), {
            sourceIndex,
            destinationIndex,
            mode,
          }),
        );
      }
      await es.indices.delete({ index: destinationIndex });
    }
    for (const step of Object.keys(sum) as Step[]) times[step].push(sum[step]);
    console.log(`run ${run + 1}: ${JSON.stringify(sum)}`);
  }
  await es.indices.deleteDataStream({ name: ds }, { ignore: [404] });
  await es.close();
  await report(indices, docs, runs, times);
}

async function report(
  indices: number,
  docs: number,
  runs: number,
  times: Record<Step, number[]>,
): Promise<void> {
  const millions = (indices * docs) / 1e6;
  const copy = median(times.copy);
  const rows = (['copy', ...MODES] as Step[]).map((step) => {
    const seconds = median(times[step]);
    const ratio = step === 'copy' ? '1' : (seconds / copy).toFixed(2);
    return `| ${step} | ${seconds.toFixed(1)} s | ${(seconds / millions).toFixed(1)} s | ${ratio} |`;
  });
  const table = [
    `| step | ${indices} × ${docs.toLocaleString('en-US')} documents (median of ${runs}) | per million documents | ratio to the copy |`,
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  console.log(`\n${table}\n`);
  if (flag('no-write')) return;
  const command = `ES_URL=… npm run bench:verify -- --indices ${indices} --docs ${docs} --runs ${runs}`;
  const entry = benchLogEntry({
    title: `${indices} indices × ${docs.toLocaleString('en-US')} documents`,
    command,
    body: table,
  });
  const intro =
    'Each verification mode timed on the copy of every backing index (`scripts/bench-verify.ts`): `count` ' +
    'is a refresh and two counts; `ids` and `content` read both indices whole (point in time, batches of ' +
    '5,000), `content` with `_source`. The copy is one synchronous `_reindex` with the product request.';
  await appendToBenchmarkLog(SECTION, intro, entry);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
