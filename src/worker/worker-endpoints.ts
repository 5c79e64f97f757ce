import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createHealthEndpoints } from '../observability/health';
import type { WorkerMetrics } from './metrics';
import type { ElasticsearchCheck } from './elasticsearch-check';

export interface WorkerEndpoints {
  url: string;
  close(): Promise<void>;
}

// The SDK exporter answers on loopback in microseconds; a scrape should not hang on it.
const SDK_METRICS_TIMEOUT_MS = 2000;

/** The SDK's own metrics, or a comment saying why they are missing: the application's still get served. */
async function sdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SDK_METRICS_TIMEOUT_MS) });
    if (!response.ok) return `# Temporal SDK metrics unavailable: HTTP ${response.status}\n`;
    return await response.text();
  } catch (err) {
    return `# Temporal SDK metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}

/**
 * The worker's operations endpoint. Ready means: connected to Temporal (a cheap `GetSystemInfo` over the
 * worker's own connection answers), Elasticsearch answers and takes the worker's credentials, and
 * polling (both pollers of the worker are up). Alive means the worker
 * has not failed. `/metrics` is the application's metrics followed by the SDK's.
 */
export async function startWorkerEndpoints(options: {
  host: string;
  port: number;
  worker: Worker;
  connection: NativeConnection;
  metrics: WorkerMetrics;
  sdkMetricsUrl: string;
  isStopping: () => boolean;
  /** Whether Elasticsearch answers and takes the worker's credentials; a failure is one line. */
  elasticsearch: () => Promise<ElasticsearchCheck>;
}): Promise<WorkerEndpoints> {
  const { worker, connection } = options;
  const handle = createHealthEndpoints({
    isStopping: options.isStopping,
    deadReason: () => (worker.getState() === 'FAILED' ? 'worker failed' : undefined),
    readiness: [
      {
        name: 'temporal',
        check: async () => {
          await connection.withDeadline(Date.now() + 2500, () =>
            connection.workflowService.getSystemInfo({}),
          );
        },
      },
      {
        name: 'elasticsearch',
        check: async () => {
          const answer = await options.elasticsearch();
          if (!answer.ok) throw new Error(answer.line);
        },
      },
      {
        name: 'polling',
        check: () => {
          const status = worker.getStatus();
          if (status.runState !== 'RUNNING') {
            return Promise.reject(new Error(`worker is ${status.runState.toLowerCase()}`));
          }
          const pollers = { workflow: status.workflowPollerState, activity: status.activityPollerState };
          const down = Object.entries(pollers).filter(([, state]) => state !== 'POLLING');
          if (down.length > 0) {
            return Promise.reject(
              new Error(down.map(([kind, state]) => `${kind} poller ${state.toLowerCase()}`).join(', ')),
            );
          }
          return Promise.resolve();
        },
      },
    ],
    metrics: async () => {
      const [own, sdk] = await Promise.all([options.metrics.exposition(), sdkMetrics(options.sdkMetricsUrl)]);
      return { contentType: options.metrics.registry.contentType, body: `${own}\n${sdk}` };
    },
  });
  const server = createServer((req, res) => {
    if (!handle(req, res)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: /livez, /readyz, /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
