/**
 * The image's HEALTHCHECK: `node dist/observability/healthcheck.js`. A container runs either the worker or
 * the API, so it asks `/readyz` of both ports (the worker's `WORKER_HTTP_PORT`, the API's `HTTP_API_PORT`)
 * on loopback and is healthy when the one that runs answers 200.
 */
import { loadConfig } from '../config';

const TIMEOUT_MS = 4000;

async function readiness(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return `${url}: ${response.status} ${await response.text()}`;
  } catch (err) {
    return `${url}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const ports = [config.workerProcess.httpPort, config.httpApi.port].filter(
    (port): port is number => port !== undefined && port !== 0,
  );
  const answers = await Promise.all(ports.map((port) => readiness(`http://127.0.0.1:${port}/readyz`)));
  const ready = answers.some((answer) => / 200 /.test(answer));
  process.stdout.write(`${answers.join('\n')}\n`);
  return ready ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
