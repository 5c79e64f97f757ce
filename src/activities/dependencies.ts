import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { asyncLocalStorage, type Context } from '@temporalio/activity';
import type { Client as TemporalClient } from '@temporalio/client';
import type { WorkerConfig } from '../config';
import { clientNamed } from '../elasticsearch/client';

/** What activities are given by the worker: built once, from the worker's own environment. */
export interface ActivityDependencies {
  es: ElasticsearchClient;
  /** Used by the copy activity to report progress to the data-stream workflow. */
  temporal: TemporalClient;
  worker: WorkerConfig;
  /** Told about every copy while it runs, so the worker can export it as metrics; none in most tests. */
  copyObserver?: CopyObserver;
}

/** What one read of a running copy's task shows. */
export interface CopyProgress {
  totalDocCount: number;
  reindexedDocCount: number;
  /** The throttle the task runs at; -1 is unlimited. */
  requestsPerSecond: number;
}

/** One copy attempt, as its observer sees it: progress on every read of the task, then its end. */
export interface CopyTracker {
  progress(progress: CopyProgress): void;
  ended(): void;
}

export interface CopyObserver {
  /** A copy attempt has its task: started now, or `reattached` to one an earlier attempt started. */
  copyStarted(copy: { dataStream: string; index: string; reattached: boolean }): CopyTracker;
}

/**
 * The dependencies as each activity execution sees them: `es` sends `X-Opaque-Id: <workflow id>` with
 * every request (the backing-index workflow's id for its steps, the data-stream or cluster workflow's for
 * theirs), so an operator reading `GET _tasks?detailed` knows which upgrade and which index a reindex task
 * belongs to.
 *
 * The activity factories take their client once, when the worker builds them; so `es` is a stand-in that
 * hands every property read to a child client of the current execution (built on first use, shared by
 * its connections), or to `deps.es` itself outside an activity. Every activity gets the header without
 * naming it.
 */
export function withClientPerExecution(deps: ActivityDependencies): ActivityDependencies {
  const clients = new WeakMap<Context, ElasticsearchClient>();
  const current = (): ElasticsearchClient => {
    const context = asyncLocalStorage.getStore();
    const workflowId = context?.info.workflowExecution?.workflowId;
    if (context === undefined || workflowId === undefined) return deps.es;
    let client = clients.get(context);
    if (client === undefined) {
      client = clientNamed(deps.es, workflowId);
      clients.set(context, client);
    }
    return client;
  };
  const es = new Proxy(deps.es, {
    get: (_target, property): unknown => {
      const client = current();
      const value: unknown = Reflect.get(client, property, client);
      // Methods run on the execution's client, whatever `this` the caller would have given them.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
    },
  });
  return { ...deps, es };
}
