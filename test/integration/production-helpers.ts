import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export const ROOT = resolve(__dirname, '../..');

/** One ECS JSON log line of a process, as parsed: our own fields are under `ds_reindex`. */
export type LogLine = Record<string, unknown> & {
  '@timestamp'?: string;
  'log.level'?: string;
  'ecs.version'?: string;
  'service.name'?: string;
  message?: string;
  ds_reindex?: Record<string, unknown>;
};

/** A real entry point (`src/worker/main.ts`, `src/client/http-api/main.ts`) in its own process, its JSON logs read. */
export interface EntryPoint {
  child: ChildProcess;
  lines: LogLine[];
  /** Everything it printed that was not a JSON line (there should be nothing). */
  other: string[];
  /**
   * Resolves with the first log line that matches; rejects if the process exits first, or after
   * `timeoutMs` (default 90 s) saying what it logged meanwhile.
   */
  waitForLine(matches: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

export function startEntryPoint(script: string, env: NodeJS.ProcessEnv): EntryPoint {
  // `--import tsx` keeps the program in this one process, so signals reach it and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const other: string[] = [];
  const waiters: { matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const logged = (): string => `${lines.map((line) => JSON.stringify(line)).join('\n')}\n${other.join('\n')}`;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const onOutput = (stream: NodeJS.ReadableStream) => {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          if (text.trim() !== '') other.push(text);
          continue;
        }
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.matches(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    });
  };
  onOutput(child.stdout);
  onOutput(child.stderr);
  return {
    child,
    lines,
    other,
    exited,
    waitForLine(matches, what, timeoutMs = 90_000) {
      const seen = lines.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveLine, rejectLine) => {
        const timer = setTimeout(() => {
          const index = waiters.findIndex((waiter) => waiter.matches === matches);
          if (index >= 0) waiters.splice(index, 1);
          rejectLine(new Error(`${script} logged no line for ${what} within ${timeoutMs} ms:\n${logged()}`));
        }, timeoutMs);
        waiters.push({
          matches,
          resolve: (line) => {
            clearTimeout(timer);
            resolveLine(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          rejectLine(new Error(`${script} exited with ${code} before ${what}:\n${logged()}`));
        });
      });
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runScript('src/client/cli/main.ts', args, env);
}

/** Runs a TypeScript program of the repository to completion. */
export function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** A port nothing listens on right now (for the SDK's metrics exporter, which needs a fixed one). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

export interface TestCertificates {
  dir: string;
  caPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** A CA that signed nothing here: trusting it instead must fail. */
  otherCaPath: string;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and a stranger CA. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'ds-reindex-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) =>
    openssl(
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
      '-keyout', path(`${name}.key`), '-out', path(`${name}.pem`), '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ); // prettier-ignore
  ca('test-ca');
  ca('other-ca');
  const leaf = (name: string, extensions: string) => {
    writeFileSync(path(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${name}`); // prettier-ignore
    openssl(
      'x509', '-req', '-in', path(`${name}.csr`), '-CA', path('test-ca.pem'), '-CAkey', path('test-ca.key'),
      '-CAcreateserial', '-days', '2', '-out', path(`${name}.pem`), '-extfile', path(`${name}.ext`),
    ); // prettier-ignore
  };
  leaf(
    'server',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  leaf(
    'client',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  return {
    dir,
    caPath: path('test-ca.pem'),
    serverCertPath: path('server.pem'),
    serverKeyPath: path('server.key'),
    clientCertPath: path('client.pem'),
    clientKeyPath: path('client.key'),
    otherCaPath: path('other-ca.pem'),
  };
}

export interface TlsProxy {
  address: string;
  /** TLS sessions that presented a client certificate the CA signed, and those that failed the handshake. */
  counts: { authorized: number; refused: number };
  close(): Promise<void>;
}

/**
 * A Temporal frontend that requires TLS with client certificates (mTLS): terminates TLS on loopback and
 * passes the bytes to the dev server's plaintext port. gRPC runs over HTTP/2, so it offers `h2` by ALPN.
 */
export async function startTlsProxy(upstream: string, certs: TestCertificates): Promise<TlsProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(':');
  const counts = { authorized: 0, refused: 0 };
  const sockets = new Set<TLSSocket | ReturnType<typeof netConnect>>();
  const server = createTlsServer(
    {
      key: readFileSync(certs.serverKeyPath),
      cert: readFileSync(certs.serverCertPath),
      ca: readFileSync(certs.caPath),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      counts.authorized += 1;
      const backend = netConnect(
        Number(upstreamPort),
        upstreamHost === 'localhost' ? '127.0.0.1' : upstreamHost,
      );
      sockets.add(socket).add(backend);
      socket.pipe(backend).pipe(socket);
      const drop = () => {
        socket.destroy();
        backend.destroy();
        sockets.delete(socket);
        sockets.delete(backend);
      };
      socket.on('error', drop).on('close', drop);
      backend.on('error', drop).on('close', drop);
    },
  );
  server.on('tlsClientError', () => (counts.refused += 1));
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}

/** Metric names of the Prometheus exposition text that have at least one sample. */
export function sampledMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (match && !line.startsWith('#')) names.add(match[1]);
  }
  return names;
}

/** The value of the one sample of `name` whose labels include all of `labels`. */
export function sampleValue(
  exposition: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

/**
 * Every metric name the alert rules and the dashboard query: `ds_reindex_*` and `temporal_*` words in
 * their expressions, plus `up`, which Prometheus itself makes.
 */
export function metricNamesUsedByMonitoring(): { alerts: string[]; dashboard: string[] } {
  const names = (text: string) =>
    [
      ...new Set([...text.matchAll(/\b((?:ds_reindex|temporal)_[a-z0-9_]+)\b/g)].map((match) => match[1])),
    ].sort();
  const alerts = readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
  const dashboard = JSON.parse(
    readFileSync(join(ROOT, 'deploy/grafana/dashboards/ds-reindex.json'), 'utf8'),
  ) as {
    panels: { targets: { expr: string }[] }[];
    templating: { list: { definition?: string }[] };
  };
  const expressions = [
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ...dashboard.templating.list.map((variable) => variable.definition ?? ''),
  ];
  // Alert texts mention metric names in comments too; only expressions count.
  const alertExpressions = [...alerts.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((match) => match[1]);
  return { alerts: names(alertExpressions.join('\n')), dashboard: names(expressions.join('\n')) };
}
