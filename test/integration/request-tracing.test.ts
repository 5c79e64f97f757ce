import type { DiagnosticResult } from '@elastic/transport';
import { eventually, REAL_CLUSTER_URL, setMigrateSettings, useUpgradeHarness } from '../support';
import { workerPolls } from '../../src/client/service/worker-privileges';
import { backingIndexWorkflowId, dataStreamWorkflowId } from '../../src/shared/names';

interface SentRequest {
  method: string;
  path: string;
  opaqueId?: string;
  body?: string;
}

/** What the client actually put on the wire, as its diagnostic events report it. */
function sentRequest(result: DiagnosticResult | null): SentRequest | undefined {
  const params = result?.meta.request.params;
  if (!params) return undefined;
  const headers = params.headers ?? {};
  const opaqueId = headers['x-opaque-id'];
  return {
    method: params.method,
    path: params.path,
    opaqueId: typeof opaqueId === 'string' ? opaqueId : undefined,
    body: typeof params.body === 'string' ? params.body : undefined,
  };
}

interface ListedTask {
  action: string;
  headers?: Record<string, string>;
  parent_task_id?: string;
}

// An operator reading `GET _tasks?detailed` (or the slow logs) must see which upgrade and which backing
// index a request belongs to: every request of the worker's activities carries X-Opaque-Id naming its
// workflow. Checked on what the client sends (both targets) and on the real node's own task list.
describe('X-Opaque-Id on the worker requests', () => {
  const h = useUpgradeHarness('request-tracing');

  it('names the backing-index workflow on its reindex task, and the data-stream workflow on its own steps', async () => {
    const ds = 'traced-ds';
    const sent: SentRequest[] = [];
    const record = (_err: unknown, result: DiagnosticResult | null): void => {
      const request = sentRequest(result);
      if (request) sent.push(request);
    };
    const [first, second] = await h().seed(ds, [{ docCount: 3000 }, { docCount: 10 }]);
    // Recorded from here: the seeding's own requests (a rollover among them) are not the worker's.
    h().es.diagnostic.on('request', record);
    try {
      // The first copy takes 10 s or more (two pauses of 1,000 documents / 200 per second): long enough
      // to read its task while it runs; lifted once read.
      await setMigrateSettings(h().es, { maxRequestsPerSecond: 200 });
      // The service asks for the privilege check only once the server lists the worker's poller, which
      // a loaded machine can take a moment to show after the worker starts.
      await eventually(() => workerPolls(h().env.client, h().taskQueue), 'the worker to poll', 30_000, 100);
      await h().service.start(h().es, ds);
      await h().copying(ds, { index: first });

      const listed = await h().es.tasks.list({ actions: '*reindex', detailed: true, group_by: 'none' });
      const tasks = (Array.isArray(listed.tasks) ? listed.tasks : []) as ListedTask[];
      const copy = tasks.find((task) => task.parent_task_id === undefined);
      expect(copy).toBeDefined();
      if (REAL_CLUSTER_URL !== undefined) {
        // Elasticsearch copies the header into the task: what `GET _tasks?detailed` shows the operator.
        expect(copy?.headers).toEqual({ 'X-Opaque-Id': backingIndexWorkflowId(ds, first) });
      }
      await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
      await h().completion(ds);

      const reindexes = sent.filter((request) => request.method === 'POST' && request.path === '/_reindex');
      expect(reindexes.length).toBeGreaterThanOrEqual(2);
      for (const reindex of reindexes) {
        const source = (JSON.parse(reindex.body ?? '{}') as { source?: { index?: string } }).source?.index;
        expect([first, second]).toContain(source);
        expect(reindex.opaqueId).toBe(backingIndexWorkflowId(ds, source ?? ''));
      }
      const rollover = sent.find((request) => request.path === `/${ds}/_rollover`);
      expect(rollover?.opaqueId).toBe(dataStreamWorkflowId(ds));
      // The test's own requests go through the same client without one: the header is the activity's.
      // (The service's privilege check runs as a workflow of its own, named too.)
      const privilegeCheck = sent.find((request) =>
        request.opaqueId?.startsWith('ds-reindex-privilege-check-'),
      );
      expect(privilegeCheck).toBeDefined();
      const seen = new Set(sent.map((request) => request.opaqueId));
      seen.delete(privilegeCheck?.opaqueId);
      expect(seen).toEqual(
        new Set([
          undefined,
          dataStreamWorkflowId(ds),
          backingIndexWorkflowId(ds, first),
          backingIndexWorkflowId(ds, second),
        ]),
      );
    } finally {
      h().es.diagnostic.off('request', record);
    }
  }, 120_000);
});
