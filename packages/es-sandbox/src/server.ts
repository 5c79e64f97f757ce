import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerAliases } from './api/aliases';
import { registerCluster } from './api/cluster';
import { registerClusterState } from './api/cluster-state';
import { applyFilterPath } from './http/filter-path';
import { jsonText } from './http/json-text';
import { registerDataStreams } from './api/data-streams';
import { registerDocuments } from './api/documents';
import { registerIndices } from './api/indices';
import { registerIngest } from './api/ingest';
import { registerReindex } from './api/reindex';
import { ScrollStore, registerSearch } from './api/search';
import { registerTasks } from './api/tasks';
import { registerTemplates } from './api/templates';
import { createControls, registerControlRoutes, type SandboxControls } from './controls';
import { TaskManager } from './engine/tasks';
import { FaultInjector } from './faults';
import { toEsError } from './http/errors';
import type { SandboxResponse } from './http/request';
import { MethodNotAllowed, Router } from './http/router';
import { Persistence } from './persistence';
import { ClusterState } from './state/cluster-state';
import { SANDBOX_IDENTITY } from './version';

export interface SandboxOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Persist every acknowledged change here and reload it on start; in memory only when unset. */
  dataDir?: string;
  /** The version `GET /` reports; below 8.18 the `migrate.*` cluster settings are unknown, as on such a node. @default '8.19.0' */
  version?: string;
  /** Print one line per request (method, uri, status, ms) to stderr. @default env SANDBOX_LOG_REQUESTS === '1' */
  logRequests?: boolean;
}

export interface RunningSandbox {
  url: string;
  controls: SandboxControls;
  close(): Promise<void>;
}

const HEADERS = { 'X-Elastic-Product': 'Elasticsearch', 'content-type': 'application/json' } as const;

function send(res: ServerResponse, method: string, result: SandboxResponse, pretty = false): void {
  if (result.text !== undefined) {
    res.writeHead(result.status, { ...HEADERS, 'content-type': 'text/plain; charset=UTF-8' });
    res.end(method === 'HEAD' ? undefined : result.text);
    return;
  }
  const payload = result.body === undefined || method === 'HEAD' ? '' : jsonText(result.body, pretty);
  res.writeHead(result.status, { ...HEADERS, 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a sandbox: an in-memory Elasticsearch 8.19 look-alike on node:http. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const state = new ClusterState();
  const persistence = options.dataDir ? new Persistence(options.dataDir, state) : undefined;
  persistence?.load();
  const tasks = new TaskManager(state);
  const faults = new FaultInjector();
  const scrolls = new ScrollStore();
  const counts = new Map<string, number>();
  const controls = createControls({ state, tasks, faults, scrolls, counts });
  const logRequests = options.logRequests ?? process.env.SANDBOX_LOG_REQUESTS === '1';

  const es = new Router();
  registerCluster(es, state, { version: options.version ?? SANDBOX_IDENTITY.DEFAULT_VERSION });
  registerClusterState(es, state);
  registerIndices(es, state);
  registerAliases(es, state);
  registerDocuments(es, state);
  registerSearch(es, state, scrolls);
  registerTemplates(es, state);
  registerDataStreams(es, state);
  registerIngest(es, state);
  registerTasks(es, tasks);
  registerReindex(es, { state, tasks, faults, afterBatch: () => persistence?.flush() });
  const control = new Router();
  registerControlRoutes(control, controls);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedMs = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const rawBody = await readBody(req);
    const isControl = url.pathname.startsWith('/_sandbox/');
    let result: SandboxResponse;
    try {
      const match = (isControl ? control : es).match(method, url.pathname, req.url ?? '/');
      if (!isControl) {
        counts.set(match.key, (counts.get(match.key) ?? 0) + 1);
        const fault = faults.match(method, url.pathname);
        if (fault) {
          if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
          if (fault.drop) {
            req.socket.destroy();
            return;
          }
          if (fault.error) {
            send(res, method, { status: fault.error.status, body: fault.error.body() });
            return;
          }
        }
      }
      result = await match.handler({
        method,
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        rawBody,
      });
    } catch (err) {
      if (err instanceof MethodNotAllowed) {
        counts.set(`${method} <unmatched>`, (counts.get(`${method} <unmatched>`) ?? 0) + 1);
        result = { status: 405, body: { error: err.message, status: 405 } };
      } else {
        const e = toEsError(err);
        if (e.status === 500 && !(err instanceof Error && 'status' in err))
          console.error('sandbox handler error', err);
        result = { status: e.status, body: e.body() };
      }
    }
    // Flush before answering: what the client sees acknowledged is on disk.
    persistence?.flush();
    if (result.body !== undefined && result.status < 300) {
      result = { ...result, body: applyFilterPath(result.body, url.searchParams.get('filter_path')) };
    }
    // `?pretty` as Elasticsearch writes it; an unparsable value is simply compact here.
    const pretty = ['', 'true'].includes(url.searchParams.get('pretty') ?? 'false');
    send(res, method, result, pretty);
    if (logRequests)
      console.error(`sandbox ${method} ${req.url ?? '/'} -> ${result.status} (${Date.now() - startedMs} ms)`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = toEsError(err);
      if (!res.headersSent) send(res, req.method ?? 'GET', { status: e.status, body: e.body() });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    controls,
    close: async () => {
      tasks.cancelAll();
      await Promise.allSettled([...tasks.running.values()].map((t) => t.done));
      persistence?.flush();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
