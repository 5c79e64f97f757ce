import { illegalArgument, resourceNotFound } from '../http/errors';
import type { JsonObject } from '../http/json';
import type { ClusterState } from '../state/cluster-state';
import { SANDBOX_IDENTITY } from '../version';

/** What the task manager needs from a running job (the reindex job implements it). */
export interface TaskJob {
  readonly action: string;
  readonly description: string;
  status(): JsonObject;
  cancel(reason: string): void;
  isCancelled(): boolean;
}

export interface RunningTask {
  id: string;
  number: number;
  job: TaskJob;
  startMs: number;
  startNs: bigint;
  storeResult: boolean;
  done: Promise<JsonObject>;
}

/** Tracks running tasks and stores finished ones' results, like ES's task manager plus `.tasks`. */
export class TaskManager {
  readonly running = new Map<string, RunningTask>();
  private readonly waiters = new Map<string, Array<() => void>>();

  constructor(private readonly state: ClusterState) {}

  start(job: TaskJob, storeResult: boolean, run: () => Promise<JsonObject>): RunningTask {
    const number = this.state.nextTaskNumber++;
    this.state.changed();
    const id = `${SANDBOX_IDENTITY.NODE_ID}:${number}`;
    const task: RunningTask = {
      id,
      number,
      job,
      startMs: Date.now(),
      startNs: process.hrtime.bigint(),
      storeResult,
      done: Promise.resolve({}),
    };
    this.running.set(id, task);
    task.done = run().then(
      (response) => this.finish(task, { response }),
      (err: unknown) => this.finish(task, { error: errorBody(err) }),
    );
    return task;
  }

  private finish(task: RunningTask, outcome: JsonObject): JsonObject {
    const body: JsonObject = { completed: true, task: this.info(task, true), ...outcome };
    this.running.delete(task.id);
    if (task.storeResult) {
      this.state.taskResults.set(task.id, body);
      this.state.changed();
    }
    for (const wake of this.waiters.get(task.id) ?? []) wake();
    this.waiters.delete(task.id);
    return body;
  }

  info(task: RunningTask, detailed: boolean): JsonObject {
    const info: JsonObject = {
      node: SANDBOX_IDENTITY.NODE_ID,
      id: task.number,
      type: 'transport',
      action: task.job.action,
      status: task.job.status(),
    };
    if (detailed) info.description = task.job.description;
    Object.assign(info, {
      start_time_in_millis: task.startMs,
      running_time_in_nanos: Number(process.hrtime.bigint() - task.startNs),
      cancellable: true,
      cancelled: task.job.isCancelled(),
      headers: {},
    });
    return info;
  }

  static parseId(id: string): void {
    const [node, n] = id.split(':');
    if (!node || n === undefined || !/^-?\d+$/.test(n)) throw illegalArgument(`malformed task id ${id}`);
  }

  /** `GET /_tasks/<id>`: running, stored, or ES's 404. */
  get(id: string): JsonObject {
    TaskManager.parseId(id);
    const task = this.running.get(id);
    if (task) return { completed: false, task: this.info(task, true) };
    const stored = this.state.taskResults.get(id);
    if (stored) return stored;
    throw resourceNotFound(`task [${id}] isn't running and hasn't stored its results`);
  }

  async waitFor(id: string, timeoutMs: number): Promise<boolean> {
    if (!this.running.has(id)) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.waiters.set(id, list);
    });
  }

  /** The running task with this id, if any; a malformed id is ES's 400. */
  find(id: string): RunningTask | undefined {
    TaskManager.parseId(id);
    return this.running.get(id);
  }

  /**
   * Cancel and rethrottle of a task the node does not run answer 200 with a node failure, as ES's
   * tasks actions do: cancel says "is not found", rethrottle "is missing"; another node id is unknown.
   */
  unknownTaskBody(id: string, missing: 'is not found' | 'is missing'): JsonObject {
    const node = id.split(':')[0] ?? '';
    const cause: JsonObject =
      node === SANDBOX_IDENTITY.NODE_ID
        ? { type: 'resource_not_found_exception', reason: `task [${id}] ${missing}` }
        : { type: 'no_such_node_exception', reason: `No such node [${node}]`, node_id: node };
    return {
      node_failures: [
        { type: 'failed_node_exception', reason: `Failed node [${node}]`, node_id: node, caused_by: cause },
      ],
      nodes: {},
    };
  }

  /** The `{nodes:{<node>:{..., tasks:{...}}}}` envelope of list, cancel and rethrottle. */
  nodesBody(tasks: RunningTask[], detailed: boolean): JsonObject {
    if (tasks.length === 0) return { nodes: {} };
    return {
      nodes: {
        [SANDBOX_IDENTITY.NODE_ID]: {
          name: SANDBOX_IDENTITY.NODE_NAME,
          transport_address: '127.0.0.1:9300',
          host: '127.0.0.1',
          ip: '127.0.0.1:9300',
          roles: ['data', 'ingest', 'master'],
          attributes: {},
          tasks: Object.fromEntries(tasks.map((t) => [t.id, this.info(t, detailed)])),
        },
      },
    };
  }

  /** Aborts every running task (reset and close). */
  cancelAll(): void {
    for (const task of this.running.values()) task.job.cancel('sandbox reset');
  }
}

function errorBody(err: unknown): JsonObject {
  const anyErr = err as { toCause?: () => JsonObject };
  if (typeof anyErr.toCause === 'function') return anyErr.toCause();
  return { type: 'exception', reason: err instanceof Error ? err.message : String(err) };
}
