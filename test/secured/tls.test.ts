/**
 * TLS to a secured three-node HTTPS cluster: with `ES_CA_FILE` the worker and the API work; a CA that did
 * not sign the nodes' certificates, or a host name the certificates do not list, is one clear line in the
 * worker's log and in `/readyz` of the worker and of the API, never a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEntryPoint, type EntryPoint, type LogLine } from '../integration/production-helpers';
import {
  CLUSTER_CREDENTIALS,
  CLUSTER_NODE_URLS,
  describeOnSecuredCluster,
  eventually,
  useUpgradeHarness,
} from '../support';

/** A CA of its own, which signed none of the cluster's certificates. */
function otherCa(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ds-reindex-other-ca-'));
  const ca = join(dir, 'other-ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      ca,
      '-subj',
      '/CN=not-the-cluster-ca',
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  return ca;
}

/** Forwards `[::1]:<port>` to the first node: the same server, reached by a name its certificate lacks. */
async function ipv6Forwarder(): Promise<{ url: string; server: Server }> {
  const node = new URL(CLUSTER_NODE_URLS[0]);
  const server = createServer((socket) => {
    const upstream = connect(Number(node.port), node.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '::1', () => resolve()));
  return { url: `https://[::1]:${(server.address() as AddressInfo).port}`, server };
}

describeOnSecuredCluster('TLS to Elasticsearch', () => {
  const h = useUpgradeHarness('tls', { worker: false });
  const started: EntryPoint[] = [];

  afterEach(() => {
    for (const process of started.splice(0)) process.child.kill('SIGKILL');
  });

  /** The worker or the API as a process of its own, with the cluster's credentials and `esEnv`. */
  async function start(script: string, esEnv: Record<string, string>): Promise<EntryPoint> {
    const entry = startEntryPoint(script, {
      TEMPORAL_ADDRESS: h().env.address,
      TEMPORAL_TASK_QUEUE: `${h().taskQueue}-${started.length}`,
      ES_USERNAME: CLUSTER_CREDENTIALS.username,
      ES_PASSWORD: CLUSTER_CREDENTIALS.password,
      ES_URLS: '',
      WORKER_HTTP_PORT: '0',
      // Free now: a random one once met a port in use (the other tiers' nodes and connections).
      WORKER_SDK_METRICS_PORT: String(await freePort()),
      HTTP_API_PORT: '0',
      ...esEnv,
    });
    started.push(entry);
    return entry;
  }

  const urlIn = (line: LogLine): string => /(http:\/\/[^\s]+)/.exec(String(line.message))?.[1] ?? '';

  async function readyz(url: string): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
  }

  it('works with the CA in ES_CA_FILE', async () => {
    const worker = await start('src/worker/main.ts', {
      ES_URL: CLUSTER_NODE_URLS[0],
      ES_CA_FILE: CLUSTER_CREDENTIALS.caFile ?? '',
    });
    const line = await worker.waitForLine(
      (entry) => String(entry.message).startsWith('Elasticsearch at '),
      'the Elasticsearch line',
    );
    expect(line).toMatchObject({
      'log.level': 'info',
      message: `Elasticsearch at ${CLUSTER_NODE_URLS[0]} answers, as user [elastic] with roles [superuser]`,
    });
    const health = urlIn(
      await worker.waitForLine(
        (entry) => String(entry.message).startsWith('health and metrics on'),
        'the health URL',
      ),
    );
    await eventually(
      async () => (await readyz(health)).status === 200,
      'the worker to be ready',
      60_000,
      200,
    );
  });

  it('says in one line that the CA in ES_CA_FILE did not sign the certificate: worker log, worker and API /readyz', async () => {
    const ca = otherCa();
    const reason = `Elasticsearch at ${CLUSTER_NODE_URLS[0]}: TLS: the node's certificate is not signed by the CA in ES_CA_FILE (${ca})`;
    const worker = await start('src/worker/main.ts', { ES_URL: CLUSTER_NODE_URLS[0], ES_CA_FILE: ca });
    const line = await worker.waitForLine((entry) => entry['log.level'] === 'error', 'the error line');
    expect(String(line.message)).toContain(reason);
    expect(JSON.stringify(line)).not.toContain('    at ');
    const health = urlIn(
      await worker.waitForLine(
        (entry) => String(entry.message).startsWith('health and metrics on'),
        'the health URL',
      ),
    );
    const worse = await readyz(health);
    expect(worse.status).toBe(503);
    expect(worse.body.checks?.elasticsearch).toContain(reason);

    const api = await start('src/client/http-api/main.ts', { ES_URL: CLUSTER_NODE_URLS[0], ES_CA_FILE: ca });
    const apiUrl = urlIn(
      await api.waitForLine(
        (entry) => String(entry.message).startsWith('ds-reindex HTTP API listening on'),
        'the API URL',
      ),
    );
    const apiReady = await readyz(apiUrl);
    expect(apiReady.status).toBe(503);
    expect(apiReady.body.checks?.elasticsearch).toContain(reason);
  });

  it('says in one line that the certificate is not for the host name in ES_URL', async () => {
    const forwarder = await ipv6Forwarder();
    try {
      const worker = await start('src/worker/main.ts', {
        ES_URL: forwarder.url,
        ES_CA_FILE: CLUSTER_CREDENTIALS.caFile ?? '',
      });
      const line = await worker.waitForLine((entry) => entry['log.level'] === 'error', 'the error line');
      expect(String(line.message)).toContain(
        `Elasticsearch at ${forwarder.url}: TLS: the node's certificate is not for the host name in the URL`,
      );
    } finally {
      forwarder.server.close();
    }
  });
});
