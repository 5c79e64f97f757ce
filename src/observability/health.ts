import type { IncomingMessage, ServerResponse } from 'node:http';

/** One thing readiness depends on; `check` rejects, with a reason, when it is not there. */
export interface DependencyCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthEndpointsOptions {
  /** What must answer for the process to be ready (Temporal, Elasticsearch, the worker's pollers). */
  readiness: readonly DependencyCheck[];
  /** A reason when the process is beyond repair and should be restarted; `undefined` while it is alive. */
  deadReason?: () => string | undefined;
  /** Set once shutdown began: readiness fails at once so no new work is routed here. */
  isStopping?: () => boolean;
  /** The Prometheus exposition served on `/metrics`, when this process has metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Longest one check may take before it counts as failed. @default 3000 */
  checkTimeoutMs?: number;
}

/** Handles a request if it is one of the health endpoints; returns whether it did. */
export type HealthEndpoints = (req: IncomingMessage, res: ServerResponse) => boolean;

function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * `GET /livez`: 200 while the process works (an orchestrator restarts it on 503). `GET /readyz`: 200 when
 * every dependency answers, else 503 naming what failed; 503 as soon as shutdown begins. `GET /metrics`:
 * Prometheus text, when given. Bodies are small JSON objects for people reading them with curl.
 */
export function createHealthEndpoints(options: HealthEndpointsOptions): HealthEndpoints {
  const timeoutMs = options.checkTimeoutMs ?? 3000;

  async function readiness(): Promise<{ status: number; body: unknown }> {
    if (options.isStopping?.()) return { status: 503, body: { status: 'stopping' } };
    const results = await Promise.all(
      options.readiness.map(async (dependency) => {
        const name = dependency.name;
        try {
          await withTimeout(dependency.check(), timeoutMs);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message : String(err)] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === 'ok');
    return {
      status: ready ? 200 : 503,
      body: { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) },
    };
  }

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/livez') {
      const dead = options.deadReason?.();
      send(res, dead === undefined ? 200 : 503, dead === undefined ? { status: 'alive' } : { status: dead });
      return true;
    }
    if (path === '/readyz') {
      readiness().then(
        ({ status, body }) => send(res, status, body),
        (err: unknown) => send(res, 500, { status: String(err) }),
      );
      return true;
    }
    if (path === '/metrics' && options.metrics) {
      options.metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType });
          res.end(body);
        },
        (err: unknown) => send(res, 500, { status: String(err) }),
      );
      return true;
    }
    return false;
  };
}
