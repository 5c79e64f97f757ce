import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { startSandbox, type SandboxControls, type SeedIndexContent } from '@ds-reindex/es-sandbox';
import { markCreatedBy, seedDataStreamOnCluster } from './cluster-seed';
import { createElasticsearchClient } from '../../src/elasticsearch/client';

/** Set when the tests run against a real cluster (`ES_URL`) instead of in-process sandboxes. */
export const REAL_CLUSTER_URL = process.env.ES_URL || undefined;

export interface TargetDocument {
  _id: string;
  _source: Record<string, unknown>;
}

/**
 * The Elasticsearch a test talks to, and the one way tests seed it: an in-process sandbox, or the
 * real cluster at `ES_URL` (e.g. the real-es 8.19 node the CI tier starts). Everything a test needs
 * works on both, except `controls`, which exist only on the sandbox.
 */
export interface EsTarget {
  readonly kind: 'sandbox' | 'cluster';
  readonly client: Client;
  readonly url: string;
  /** The sandbox's test controls (faults, failReindexAfter, request counters); absent on a cluster. */
  readonly controls?: SandboxControls;
  /** The sandbox's controls, or a clear error on a real cluster (such tests use `describeOnSandbox`). */
  sandboxControls(): SandboxControls;
  /**
   * Seeds a data stream of old backing indices (7.17 by default): doc counts, closed ones, documents
   * without `@timestamp` (first index only on a cluster), extra settings. Returns the backing index
   * names, oldest first; the last is the write index.
   */
  seedDataStream(name: string, backingIndices: readonly SeedIndexContent[]): Promise<string[]>;
  /**
   * Marks an index built through the API as created by `versionCreated` (e.g. 7170099, 7.17.0): on a
   * cluster with the real-es node's test-only `_set_version_created`, on the sandbox with its control.
   */
  markCreatedBy(index: string, versionCreated: number): Promise<void>;
  /**
   * Every document of a concrete index, open or closed. On a cluster a closed index is opened for the
   * read and closed again.
   */
  documents(index: string): Promise<TargetDocument[]>;
  close(): Promise<void>;
}

/**
 * The tests' administrator on the cluster at `ES_URL`, as `cluster.sh env` exports a secured one's
 * (`ES_USERNAME` and `ES_PASSWORD`, or `ES_API_KEY`; `ES_CA_FILE` for HTTPS): what a worker's environment
 * would hold.
 */
export const CLUSTER_CREDENTIALS = {
  apiKey: process.env.ES_API_KEY || undefined,
  username: process.env.ES_USERNAME || undefined,
  password: process.env.ES_PASSWORD || undefined,
  caFile: process.env.ES_CA_FILE || undefined,
};

/** Every node of the cluster at `ES_URL` (`ES_URLS`, as `cluster.sh env` prints it), `ES_URL` first. */
export const CLUSTER_NODE_URLS: readonly string[] = [
  ...new Set(
    [REAL_CLUSTER_URL, ...(process.env.ES_URLS ?? '').split(',')].filter(
      (url) => url !== undefined && url !== '',
    ),
  ),
] as string[];

/**
 * A client built the way the product builds one; on the cluster, as its administrator, to every node,
 * so a test that stops one node still reaches the cluster.
 */
function client(url: string): Client {
  if (url !== REAL_CLUSTER_URL) return createElasticsearchClient({ url, requestTimeoutMs: 60_000 });
  return createElasticsearchClient(
    { url, urls: CLUSTER_NODE_URLS, requestTimeoutMs: 60_000, ...CLUSTER_CREDENTIALS },
    { retryOnOtherNodes: true },
  );
}

async function clusterDocuments(es: Client, index: string): Promise<TargetDocument[]> {
  const [row] = await es.cat.indices({ index, format: 'json', h: 'status', expand_wildcards: 'all' });
  const closed = row?.status === 'close';
  if (closed) await es.indices.open({ index, wait_for_active_shards: 1 });
  try {
    await es.indices.refresh({ index });
    const documents: TargetDocument[] = [];
    let response = await es.search<Record<string, unknown>>({
      index,
      scroll: '1m',
      size: 5_000,
      sort: ['_doc'],
    });
    while (response.hits.hits.length > 0) {
      for (const hit of response.hits.hits)
        if (hit._id !== undefined) documents.push({ _id: hit._id, _source: hit._source ?? {} });
      if (response._scroll_id === undefined) break;
      response = await es.scroll({ scroll_id: response._scroll_id, scroll: '1m' });
    }
    if (response._scroll_id !== undefined)
      await es.clearScroll({ scroll_id: response._scroll_id }).catch(() => undefined);
    return documents;
  } finally {
    if (closed) await es.indices.close({ index });
  }
}

function needsSandbox(): never {
  throw new Error(
    "this needs the sandbox's controls; on a real cluster (ES_URL) the test is skipped with describeOnSandbox/itOnSandbox",
  );
}

/** The cluster at `ES_URL` when set, otherwise a fresh in-process sandbox on a free port. */
export async function createEsTarget(): Promise<EsTarget> {
  if (REAL_CLUSTER_URL !== undefined) {
    const es = client(REAL_CLUSTER_URL);
    return {
      kind: 'cluster',
      client: es,
      url: REAL_CLUSTER_URL,
      sandboxControls: needsSandbox,
      seedDataStream: (name, contents) => seedDataStreamOnCluster(es, name, contents),
      markCreatedBy: (index, versionCreated) => markCreatedBy(es, index, versionCreated),
      documents: (index) => clusterDocuments(es, index),
      close: () => es.close(),
    };
  }
  const sandbox = await startSandbox({ port: 0 });
  const es = client(sandbox.url);
  const controls = sandbox.controls;
  return {
    kind: 'sandbox',
    client: es,
    url: sandbox.url,
    controls,
    sandboxControls: () => controls,
    async seedDataStream(name, contents) {
      return (await controls.seedDataStream({ name, backingIndices: [...contents] })).backingIndices;
    },
    markCreatedBy(index, versionCreated) {
      controls.setVersionCreated(index, versionCreated);
      return Promise.resolve();
    },
    documents: (index) =>
      Promise.resolve(
        controls.getIndexDocuments(index).map((doc) => ({ _id: doc._id, _source: doc._source })),
      ),
    async close() {
      await es.close();
      await sandbox.close();
    },
  };
}

/**
 * A `describe` for tests that need the sandbox's controls (fault injection, failReindexAfter, request
 * counters, its own processes). They run on the sandbox; against a real cluster they are skipped, and
 * the skipped name says why.
 */
export function describeOnSandbox(name: string, needs: string, body: () => void): void {
  (REAL_CLUSTER_URL === undefined ? describe : describe.skip)(`${name} [sandbox only: ${needs}]`, body);
}

/** An `it` for one test that needs the sandbox's controls; see `describeOnSandbox`. */
export function itOnSandbox(
  name: string,
  needs: string,
  test: () => Promise<void>,
  timeoutMs?: number,
): void {
  (REAL_CLUSTER_URL === undefined ? it : it.skip)(`${name} [sandbox only: ${needs}]`, test, timeoutMs);
}

/**
 * The real node's own scripts, when scripts/test-real.sh started the node itself (it exports them):
 * then a test may stop and start that node, as an operator restarting Elasticsearch would.
 */
const REAL_NODE_SCRIPTS =
  REAL_CLUSTER_URL !== undefined ? process.env.REAL_ES_SCRIPTS || undefined : undefined;

/** Stops the real node and starts it again on the same port and data; resolves once it is yellow. */
export async function restartRealNode(): Promise<void> {
  if (REAL_NODE_SCRIPTS === undefined || REAL_CLUSTER_URL === undefined)
    throw new Error('only a node that scripts/test-real.sh started can be restarted');
  const run = promisify(execFile);
  await run(join(REAL_NODE_SCRIPTS, 'stop.sh'));
  await run(join(REAL_NODE_SCRIPTS, 'start.sh'), [new URL(REAL_CLUSTER_URL).port]);
}

/** An `it` for a test that restarts Elasticsearch: only on a real node that the real tier started. */
export function itOnRestartableNode(name: string, test: () => Promise<void>, timeoutMs?: number): void {
  (REAL_NODE_SCRIPTS === undefined ? it.skip : it)(
    `${name} [real node only: restarts Elasticsearch]`,
    test,
    timeoutMs,
  );
}
