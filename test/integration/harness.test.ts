import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflows, createTestEnvironment } from '../support/temporal-env';
import * as smokeActivities from '../fixtures/smoke-activities';
import { smokeWorkflow } from '../fixtures/workflows/smoke';

describe('test harness', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTestEnvironment();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow with a real activity on a real Temporal server', async () => {
    const taskQueue = 'harness-smoke';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(require.resolve('../fixtures/workflows/smoke')),
      activities: smokeActivities,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(smokeWorkflow, {
        taskQueue,
        workflowId: 'harness-smoke',
        args: ['ds-reindex'],
      }),
    );
    expect(result).toBe('hello ds-reindex from a worker');

    // The server really recorded it: its history holds the activity's completion.
    const history = await env.client.workflow.getHandle('harness-smoke').fetchHistory();
    const eventTypes = (history.events ?? []).map((event) => event.eventType);
    expect(eventTypes.length).toBeGreaterThan(5);
  });
});
