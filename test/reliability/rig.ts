import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { SandboxControls } from '@ds-reindex/es-sandbox';
import { ReindexService } from '../../src/client/service/reindex-service';
import type { ReindexDataStreamStatus } from '../../src/shared/status';
import { eventually, sleep, TEST_WORKER_CONFIG, type EsTarget, type UpgradeHarness } from '../support';

export const ROOT = resolve(__dirname, '../..');

/** A small seeded PRNG (xorshift32), so a failing fuzz or kill schedule can be replayed from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x1_0000_0000;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** Everything a scenario touches. One per test file; scenarios use their own data streams and task queues. */
export interface Rig {
  h: UpgradeHarness;
  es: Client;
  /** Where the scenario's data lives and how it is seeded and read back, on the sandbox or a cluster. */
  target: EsTarget;
  /** The sandbox's fault and counter controls; throws on a real cluster (those scenarios are sandbox-only). */
  readonly controls: SandboxControls;
  /** A service on a task queue of the caller's choosing (process workers poll their own queue). */
  service(taskQueue: string): ReindexService;
}

export function rigFrom(h: UpgradeHarness): Rig {
  return {
    h,
    es: h.es,
    target: h.target,
    get controls() {
      return h.target.sandboxControls();
    },
    service: (taskQueue) =>
      new ReindexService({ temporal: h.env.client, taskQueue, statusRetentionMs: 600_000 }),
  };
}

export interface WorkerProcessOptions {
  temporalAddress: string;
  taskQueue: string;
  esUrl: string;
}

/** The real worker entry point in its own process, so SIGKILL is a real crash. */
export function startWorkerProcess(options: WorkerProcessOptions): ChildProcess {
  // `--import tsx` keeps the worker in this process; the tsx CLI would fork a child that SIGKILL misses.
  return spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      ES_URL: options.esUrl,
      REINDEX_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.reindexPollIntervalMs),
      PROGRESS_SIGNAL_INTERVAL_MS: String(TEST_WORKER_CONFIG.progressSignalIntervalMs),
      SETTINGS_POLL_INTERVAL_MS: String(TEST_WORKER_CONFIG.settingsPollIntervalMs),
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

export async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await exited(child);
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Status, or undefined while it cannot be read (server restarting, task not yet visible). */
export async function statusOf(
  service: ReindexService,
  dataStream: string,
): Promise<ReindexDataStreamStatus | undefined> {
  return service.status(dataStream).catch(() => undefined);
}

export function completion(
  service: ReindexService,
  dataStream: string,
  timeoutMs: number,
): Promise<ReindexDataStreamStatus> {
  return eventually(
    async () => {
      const status = await statusOf(service, dataStream);
      return status?.complete ? status : undefined;
    },
    `${dataStream} to complete`,
    timeoutMs,
    100,
  );
}

/** Starts an upgrade, retrying a start that met an injected fault; bounded. */
export async function startUpgrade(service: ReindexService, es: Client, dataStream: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      await service.start(es, dataStream);
      return;
    } catch (err) {
      // A start that reached Temporal before its answer was lost is as good as acknowledged.
      if (err instanceof Error && 'type' in err && err.type === 'resource_already_exists_exception') return;
      lastError = err;
      await sleep(200);
    }
  }
  throw new Error(`could not start ${dataStream}: ${String(lastError)}`);
}

/**
 * Indexes small batches into the data stream until stopped, remembering exactly what Elasticsearch
 * acknowledged (201 per item); failed or unanswered batches are not counted as written.
 */
export class Writer {
  readonly acknowledged = new Map<string, unknown>();
  private running = true;
  private loop: Promise<void> | undefined;
  private batch = 0;
  attempts = 0;

  constructor(
    private readonly es: Client,
    private readonly dataStream: string,
    private readonly pauseMs = 30,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (this.running) {
        const ids = Array.from({ length: 10 }, (_, i) => `w-${this.dataStream}-${this.batch}-${i}`);
        this.batch += 1;
        this.attempts += ids.length;
        const docs = ids.map((id) => ({ '@timestamp': new Date(Date.now()).toISOString(), message: id }));
        try {
          const response = await this.es.bulk({
            operations: ids.flatMap((id, i) => [{ create: { _index: this.dataStream, _id: id } }, docs[i]]),
          });
          response.items.forEach((item, i) => {
            if (item.create?.status === 201) this.acknowledged.set(ids[i], docs[i]);
          });
        } catch {
          // Faults and blocks refuse writes; the writer keeps trying, as an application would.
        }
        await sleep(this.pauseMs);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
