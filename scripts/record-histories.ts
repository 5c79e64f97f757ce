/**
 * Records workflow histories for the replay test: runs each scenario on a real Temporal dev server
 * and writes its history, with its workflow id, to test/histories/<set>/<scenario>.json.
 *
 *   npm run histories:record            # every scenario
 *   npm run histories:record -- smoke   # only the named sets
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows, createTestEnvironment } from '../test/helpers/temporal-env';
import { HISTORIES_DIR, HISTORY_SETS, type HistorySetName } from '../test/replay/histories';
import * as smokeActivities from '../test/fixtures/smoke-activities';
import { smokeWorkflow } from '../test/fixtures/workflows/smoke';

interface Scenario {
  set: HistorySetName;
  name: string;
  /** Runs the scenario to its end and returns the workflow id whose history to keep. */
  run(env: TestWorkflowEnvironment): Promise<string>;
}

const scenarios: Scenario[] = [
  {
    set: 'smoke',
    name: 'greet',
    async run(env) {
      const taskQueue = 'record-smoke';
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await bundleWorkflows(HISTORY_SETS.smoke),
        activities: smokeActivities,
      });
      const workflowId = 'smoke-greet';
      await worker.runUntil(
        env.client.workflow.execute(smokeWorkflow, { taskQueue, workflowId, args: ['replay'] }),
      );
      return workflowId;
    },
  },
];

async function record(): Promise<void> {
  const wanted = new Set(process.argv.slice(2));
  const env = await createTestEnvironment();
  try {
    for (const scenario of scenarios.filter((s) => wanted.size === 0 || wanted.has(s.set))) {
      const workflowId = await scenario.run(env);
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const dir = join(HISTORIES_DIR, scenario.set);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${scenario.name}.json`);
      const recorded = {
        workflowId,
        scenario: scenario.name,
        history: JSON.parse(historyToJSON(history)) as unknown,
      };
      writeFileSync(file, `${JSON.stringify(recorded, null, 2)}\n`);
      console.log(`recorded ${file} (${history.events?.length ?? 0} events)`);
    }
  } finally {
    await env.teardown();
  }
}

record().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
