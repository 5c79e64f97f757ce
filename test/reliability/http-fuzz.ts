import { createConnection } from 'node:net';
import { createHttpApi } from '../../src/client/http-api/server';
import { neverStarted, type ScenarioResult } from './scenarios';
import { CLUSTER_CREDENTIALS } from '../support';
import { Rng, type Rig } from './rig';

/** What one request got back: an answer, or a closed connection. */
interface Outcome {
  status?: number;
  body?: unknown;
  closed?: boolean;
}

const VALID_BODY = (ds: string): unknown => ({ source: { index: ds }, mode: 'upgrade' });

const HOSTILE_PATHS = [
  '/_migration/reindex/..%2F..%2Fetc/_status',
  '/_migration/reindex/../../etc/passwd',
  '/_migration/reindex/%2e%2e%2f%2e%2e%2f/_cancel',
  '/_migration/reindex/%00/_status',
  '/_migration/reindex/%ZZ/_status',
  '/_migration/reindex//_status',
  '/_migration/reindex/a%2Fb/_status',
  '/_migration/reindex/' + 'x'.repeat(5_000) + '/_status',
  '/_migration/reindex/_list?pretty=maybe',
  '/_migration/reindex?timeout=-1&wait_for_completion=banana',
  '/%2e%2e/%2e%2e/',
  '/_migration//reindex',
  '/_cluster/settings/../../..',
];

const WRONG_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x',
  [],
  [1, 2],
  {},
  { '': '' },
  '*',
  'a,b',
  '../x',
];

/** A body that must be refused: a mutation of the valid one, never the valid one itself. */
function hostileBody(rng: Rng, ds: string): string {
  const kind = rng.int(0, 7);
  const valid = JSON.stringify(VALID_BODY(ds));
  switch (kind) {
    case 0: // truncated JSON
      return valid.slice(0, rng.int(0, valid.length - 1));
    case 1: // random bytes
      return Buffer.from(Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255))).toString('latin1');
    case 2:
      return JSON.stringify({ source: { index: ds }, mode: rng.pick(WRONG_VALUES) });
    case 3:
      return JSON.stringify({ source: rng.pick(WRONG_VALUES), mode: 'upgrade' });
    case 4:
      return JSON.stringify({
        source: { index: ds },
        mode: 'upgrade',
        [`extra${rng.int(0, 9)}`]: rng.pick(WRONG_VALUES),
      });
    case 5:
      return JSON.stringify(rng.pick(WRONG_VALUES));
    case 6: // deep nesting
      return '['.repeat(rng.int(100, 5_000)) + ']'.repeat(rng.int(0, 10));
    default:
      return JSON.stringify({ source: { index: ds, [`x${rng.int(0, 9)}`]: 1 }, mode: 'upgrade' });
  }
}

/**
 * On a secured cluster, every hostile request carries the administrator's credentials, so that it gets
 * past authentication to the parsing and checks it is meant to try; without security, none.
 */
const AUTHORIZATION: Record<string, string> =
  CLUSTER_CREDENTIALS.username && CLUSTER_CREDENTIALS.password
    ? {
        authorization: `Basic ${Buffer.from(`${CLUSTER_CREDENTIALS.username}:${CLUSTER_CREDENTIALS.password}`).toString('base64')}`,
      }
    : {};

async function send(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer,
  contentType?: string,
): Promise<Outcome> {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...AUTHORIZATION,
        ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  } catch {
    return { closed: true };
  }
}

/** Elasticsearch's error shape: `{error: {type, reason, ...}, status}` (or a plain string error with a status). */
function esShapedError(outcome: Outcome): boolean {
  if (outcome.status === undefined || outcome.status < 400) return false;
  // Elasticsearch answers a too-large body with a bare 413, and an unknown route with
  // `{"error": "no handler found ..."}` and no `status`; both are its shapes.
  if (outcome.status === 413 && outcome.body === '') return true;
  const body = outcome.body;
  if (typeof body !== 'object' || body === null) return false;
  const record = body as Record<string, unknown>;
  if (typeof record.error === 'string')
    return record.status === undefined || record.status === outcome.status;
  if (record.status !== outcome.status) return false;
  const error = record.error as Record<string, unknown> | undefined;
  return typeof error?.type === 'string' && typeof error.reason === 'string';
}

/** Sends a request one byte at a time; the server must keep serving others meanwhile. */
function trickle(port: number, request: string, byteDelayMs: number, abandonAfter: number): Promise<void> {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('error', () => done());
    socket.on('close', () => done());
    socket.on('data', () => undefined);
    let at = 0;
    const timer = setInterval(() => {
      if (at >= Math.min(request.length, abandonAfter)) {
        clearInterval(timer);
        socket.destroy();
        return;
      }
      socket.write(request[at] ?? '');
      at += 1;
    }, byteDelayMs);
  });
}

/**
 * Feeds the HTTP API malformed and hostile input. Each answer must be Elasticsearch-shaped (or the
 * connection closed), the server must keep answering, and no workflow may start for the data stream
 * that every hostile start names.
 */
export async function fuzzHttpApi(
  rig: Rig,
  taskQueue: string,
  requests: number,
  seed: number,
): Promise<ScenarioResult> {
  const started = Date.now();
  const rng = new Rng(seed);
  const ds = `rel-fuzz-${process.pid}-${seed}`;
  await rig.target.seedDataStream(ds, [{ docCount: 10 }]);
  const api = await createHttpApi({
    service: rig.service(taskQueue),
    esConfig: { url: rig.h.target.url, requestTimeoutMs: 10_000, caFile: CLUSTER_CREDENTIALS.caFile },
    port: 0,
  });
  const port = Number(new URL(api.url).port);
  const violations: string[] = [];
  const tally = { answered: 0, closed: 0 };
  let drained = false;
  const expectError = (what: string, outcome: Outcome): void => {
    if (outcome.closed) tally.closed += 1;
    else if (esShapedError(outcome)) tally.answered += 1;
    else violations.push(`${what}: ${outcome.status} ${JSON.stringify(outcome.body).slice(0, 200)}`);
  };
  try {
    const slow = [
      trickle(
        port,
        `POST /_migration/reindex HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{"source":{"index":"${ds}"},`,
        20,
        10_000,
      ),
      trickle(port, `GET /_migration/reindex/_list HTTP/1.1\r\nHost: x\r\n`, 30, 40),
    ];
    for (let i = 0; i < requests; i += 1) {
      const choice = rng.int(0, 9);
      if (choice <= 5) {
        const body = hostileBody(rng, ds);
        expectError(
          `POST body ${JSON.stringify(body.slice(0, 80))}`,
          await send(
            api.url,
            'POST',
            '/_migration/reindex',
            body,
            rng.pick(['application/json', 'application/json', 'text/plain', 'application/x-ndjson']),
          ),
        );
      } else if (choice <= 8) {
        const path = rng.pick(HOSTILE_PATHS);
        const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
        const outcome = await send(
          api.url,
          method,
          path,
          method === 'GET' ? undefined : hostileBody(rng, ds),
        );
        // `_list` and `_cluster/settings` may answer 200 to a GET; everything else here is an error.
        if (outcome.status !== undefined && outcome.status < 300 && method === 'GET') tally.answered += 1;
        else expectError(`${method} ${path.slice(0, 80)}`, outcome);
      } else {
        const huge = Buffer.alloc(rng.int(2, 6) * 1024 * 1024, 0x7b);
        expectError('huge body', await send(api.url, 'POST', '/_migration/reindex', huge));
      }
    }
    // Still serving, after all of it (and while a slow client is still trickling).
    const alive = await send(api.url, 'GET', '/_migration/reindex/_list');
    if (alive.status !== 200) violations.push(`the API stopped answering: ${JSON.stringify(alive)}`);
    await Promise.all(slow);
    // Every request the server took has been answered (or cut) once it has drained: only then does
    // "no workflow started" cover all of them.
    await api.drain(30_000);
    drained = true;
    if (!(await neverStarted(rig, ds))) violations.push(`a workflow was started for ${ds} by hostile input`);
  } finally {
    if (!drained) await api.close();
  }
  return {
    scenario: 'HTTP API fed malformed and hostile input',
    documentsChecked: 0,
    documentsLost: 0,
    violations,
    notes: [`${requests} requests: ${tally.answered} ES-shaped answers, ${tally.closed} closed connections`],
    durationMs: Date.now() - started,
  };
}
