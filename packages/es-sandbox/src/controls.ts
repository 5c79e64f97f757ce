import { illegalArgument } from './http/errors';
import { isObject, jsonBody, ok, type JsonObject } from './http/request';
import type { Router } from './http/router';
import type { TaskManager } from './engine/tasks';
import type { FaultInjector, FaultSpec, ReindexFailureSpec } from './faults';
import type { ClusterState } from './state/cluster-state';
import type { ScrollStore } from './api/search';
import {
  seedDataStream,
  seedIndex,
  type SeedDataStreamSpec,
  type SeedIndexSpec,
  type SeededDataStream,
  type SeededIndex,
} from './seed';

export interface SandboxTaskView {
  id: string;
  completed: boolean;
  /** The body `GET /_tasks/<id>` would answer (for finished tasks whose result is stored). */
  body: JsonObject;
}

export interface SandboxDocument {
  _id: string;
  _source: JsonObject;
}

/** Test controls, kept apart from the Elasticsearch API. Over HTTP they live under `/_sandbox/`. */
export interface SandboxControls {
  /** Creates a template, a data stream and its backing indices (with old versions, closed ones, ...). */
  seedDataStream(spec: SeedDataStreamSpec): Promise<SeededDataStream>;
  /** Creates a plain index with documents `{@timestamp, message, n}`. */
  seedIndex(spec: SeedIndexSpec): Promise<SeededIndex>;
  /**
   * Marks an existing index as created by `versionCreated` (e.g. 7170099), as the real-es node's test-only
   * `_set_version_created` does: how a test makes an index it built through the API old on both targets.
   */
  setVersionCreated(index: string, versionCreated: number): void;
  /** Adds a fault; returns its id. */
  injectFault(spec: FaultSpec): number;
  failReindexAfter(spec: ReindexFailureSpec): void;
  clearFaults(): void;
  /** Requests per `METHOD /route/pattern` since start or the last reset (control calls not counted). */
  requestCounts(): Record<string, number>;
  resetCounters(): void;
  /** Wipes all state, faults and counters, and cancels running tasks. */
  reset(): void;
  /** Running tasks and stored results of finished ones. */
  listTasks(): SandboxTaskView[];
  /** Every document of a concrete index, refreshed or not, in insertion order. */
  getIndexDocuments(index: string): SandboxDocument[];
}

export interface ControlDeps {
  state: ClusterState;
  tasks: TaskManager;
  faults: FaultInjector;
  scrolls: ScrollStore;
  counts: Map<string, number>;
}

export function createControls(deps: ControlDeps): SandboxControls {
  return {
    seedDataStream: (spec) => Promise.resolve(seedDataStream(deps.state, spec)),
    seedIndex: (spec) => Promise.resolve(seedIndex(deps.state, spec)),
    setVersionCreated(index, versionCreated) {
      const store = deps.state.indices.get(index);
      if (store === undefined) throw new Error(`no such index [${index}]`);
      store.settings['index.version.created'] = String(versionCreated);
      deps.state.changed();
    },
    injectFault: (spec) => deps.faults.add(spec),
    failReindexAfter: (spec) => deps.faults.addReindexFailure(spec),
    clearFaults: () => deps.faults.clear(),
    requestCounts: () => Object.fromEntries(deps.counts),
    resetCounters: () => deps.counts.clear(),
    reset: () => {
      deps.tasks.cancelAll();
      deps.faults.clear();
      deps.counts.clear();
      deps.scrolls.clear();
      deps.state.clear();
    },
    listTasks: () => [
      ...[...deps.tasks.running.keys()].map((id) => ({ id, completed: false, body: deps.tasks.get(id) })),
      ...[...deps.state.taskResults].map(([id, body]) => ({ id, completed: true, body })),
    ],
    getIndexDocuments: (name) => {
      const index = deps.state.indices.get(name);
      if (!index) throw illegalArgument(`no such index [${name}]`);
      return [...index.live.values()].map((d) => ({ _id: d.id, _source: d.source }));
    },
  };
}

function faultSpecFrom(body: JsonObject): FaultSpec {
  const spec: FaultSpec = {};
  if (typeof body.method === 'string') spec.method = body.method;
  if (typeof body.path === 'string') spec.path = body.path;
  if (typeof body.status === 'number') spec.status = body.status;
  if (typeof body.count === 'number') spec.count = body.count;
  if (typeof body.probability === 'number') spec.probability = body.probability;
  if (typeof body.delayMs === 'number') spec.delayMs = body.delayMs;
  if (body.dropConnection === true) spec.dropConnection = true;
  return spec;
}

/** The same controls over HTTP, for a standalone sandbox. */
export function registerControlRoutes(router: Router, controls: SandboxControls): void {
  router
    .add('POST', '/_sandbox/seed', async (req) => {
      const body = jsonBody(req, true) as JsonObject;
      if (isObject(body.dataStream))
        return ok(await controls.seedDataStream(body.dataStream as unknown as SeedDataStreamSpec));
      if (isObject(body.index)) return ok(await controls.seedIndex(body.index as unknown as SeedIndexSpec));
      throw illegalArgument('body must be {"dataStream": {...}} or {"index": {...}}');
    })
    .add('POST', '/_sandbox/faults', (req) => {
      const body = jsonBody(req, true) as JsonObject;
      if (isObject(body.failReindexAfter)) {
        const f = body.failReindexAfter;
        controls.failReindexAfter({
          sourceIndex: typeof f.sourceIndex === 'string' ? f.sourceIndex : undefined,
          docs: Number(f.docs ?? 0),
          reason: typeof f.reason === 'string' ? f.reason : undefined,
        });
        return ok({ acknowledged: true });
      }
      return ok({ acknowledged: true, id: controls.injectFault(faultSpecFrom(body)) });
    })
    .add('DELETE', '/_sandbox/faults', () => {
      controls.clearFaults();
      return ok({ acknowledged: true });
    })
    .add('GET', '/_sandbox/counters', () => ok(controls.requestCounts()))
    .add('DELETE', '/_sandbox/counters', () => {
      controls.resetCounters();
      return ok({ acknowledged: true });
    })
    .add('POST', '/_sandbox/reset', () => {
      controls.reset();
      return ok({ acknowledged: true });
    })
    .add('GET', '/_sandbox/tasks', () => ok(controls.listTasks()))
    .add('GET', '/_sandbox/indices/{index}/documents', (req) =>
      ok(controls.getIndexDocuments(req.params.index ?? '')),
    );
}
