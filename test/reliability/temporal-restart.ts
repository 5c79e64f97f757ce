import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { LOCAL_TEMPORAL_CLI } from '../support/temporal-env';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { freePort, kill } from './rig';
import { eventually } from '../support';

/** A Temporal dev server of our own, persisting to a file, that a scenario can kill and bring back. */
export class RestartableTemporal {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'rel-temporal-'));
  readonly dbFile = join(this.dir, 'temporal.db');

  private constructor(readonly port: number) {}

  static async start(): Promise<RestartableTemporal> {
    const server = new RestartableTemporal(await freePort());
    await server.up();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const cli = process.env.TEMPORAL_CLI_PATH ?? LOCAL_TEMPORAL_CLI;
    const attributes = ALL_SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=Keyword`]);
    this.child = spawn(
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--headless',
        '--db-filename',
        this.dbFile,
        '--log-level',
        'error',
        ...attributes,
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    await eventually(() => this.accepting(), 'the Temporal dev server to listen', 60_000, 200);
    // The frontend listens before the namespace is ready: wait until the server describes it.
    await eventually(() => this.namespaceReady(), 'the default namespace to be served', 60_000, 200);
  }

  private async namespaceReady(): Promise<true> {
    const connection = await Connection.connect({ address: this.address, connectTimeout: 5_000 });
    try {
      await connection.withDeadline(Date.now() + 5_000, () =>
        connection.workflowService.describeNamespace({ namespace: 'default' }),
      );
      return true;
    } finally {
      await connection.close();
    }
  }

  private accepting(): Promise<true | undefined> {
    return new Promise((done) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port });
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(undefined));
    });
  }

  /** A crash, not a shutdown: SIGKILL, so only what reached the file survives. */
  async crash(): Promise<void> {
    if (this.child) await kill(this.child, 'SIGKILL');
    this.child = undefined;
  }

  async close(): Promise<void> {
    if (this.child) await kill(this.child, 'SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
