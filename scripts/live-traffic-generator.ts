/**
 * Live traffic for `bench:live-traffic`, in a process of its own so that the worker's event loop in the
 * benchmark's process cannot delay it: a writer that sends a bulk of `bulkSize` documents every
 * `bulkSize / writeRate` seconds into a data stream, and a searcher at `searchRate` searches a second.
 *
 * Both are open-loop: requests leave on a fixed schedule whether or not the previous ones have answered,
 * and a latency counts from the moment the request was due, not from when it was sent. A slow cluster
 * thus shows as latency rather than as fewer requests (no coordinated omission). A request that finds
 * `MAX_IN_FLIGHT` of its kind still unanswered is not sent and counts as an error.
 *
 * The parent sends `{ type: 'phase', name }` to start a new measurement bucket and `{ type: 'stop' }` to
 * end; the generator answers `{ type: 'report', phases }` and exits.
 */
import { Client } from '@elastic/elasticsearch';

export interface TrafficOptions {
  url: string;
  dataStream: string;
  writeRate: number;
  bulkSize: number;
  searchRate: number;
}

export interface PhaseTraffic {
  name: string;
  durationMs: number;
  documentsWritten: number;
  writeLatenciesMs: number[];
  writeErrors: number;
  searchLatenciesMs: number[];
  searchErrors: number;
}

export type ParentMessage = { type: 'phase'; name: string } | { type: 'stop' };
export interface ReportMessage {
  type: 'report';
  phases: PhaseTraffic[];
}

const MAX_IN_FLIGHT = 64;

function newPhase(name: string): PhaseTraffic & { startedMs: number } {
  return {
    name,
    startedMs: performance.now(),
    durationMs: 0,
    documentsWritten: 0,
    writeLatenciesMs: [],
    writeErrors: 0,
    searchLatenciesMs: [],
    searchErrors: 0,
  };
}

/** Calls `send` every `intervalMs` on a fixed schedule until `stopped()`; `send` gets its due time. */
function schedule(intervalMs: number, stopped: () => boolean, send: (dueMs: number) => void): Promise<void> {
  const startMs = performance.now();
  return new Promise((done) => {
    let tick = 0;
    const next = (): void => {
      if (stopped()) {
        done();
        return;
      }
      send(startMs + tick * intervalMs);
      tick += 1;
      setTimeout(next, Math.max(0, startMs + tick * intervalMs - performance.now()));
    };
    next();
  });
}

async function run(options: TrafficOptions): Promise<void> {
  const es = new Client({ node: options.url, maxRetries: 0, requestTimeout: 30_000 });
  const phases: Array<PhaseTraffic & { startedMs: number }> = [];
  let current = newPhase('start');
  let stopping = false;
  let writesInFlight = 0;
  let searchesInFlight = 0;
  let sequence = 0;

  const write = (dueMs: number): void => {
    const phase = current;
    if (writesInFlight >= MAX_IN_FLIGHT) {
      phase.writeErrors += 1;
      return;
    }
    writesInFlight += 1;
    const operations: object[] = [];
    for (let i = 0; i < options.bulkSize; i += 1) {
      sequence += 1;
      operations.push({ create: {} }, { '@timestamp': new Date().toISOString(), n: sequence });
    }
    es.bulk({ index: options.dataStream, operations })
      .then((answer) => {
        const failed = answer.items.filter((item) => item.create?.error !== undefined).length;
        phase.documentsWritten += options.bulkSize - failed;
        if (failed > 0) phase.writeErrors += 1;
        else phase.writeLatenciesMs.push(performance.now() - dueMs);
      })
      .catch(() => {
        phase.writeErrors += 1;
      })
      .finally(() => {
        writesInFlight -= 1;
      });
  };

  const search = (dueMs: number): void => {
    const phase = current;
    if (searchesInFlight >= MAX_IN_FLIGHT) {
      phase.searchErrors += 1;
      return;
    }
    searchesInFlight += 1;
    es.search({
      index: options.dataStream,
      size: 10,
      sort: [{ '@timestamp': 'desc' }],
      query: { range: { '@timestamp': { gte: 'now-1m' } } },
      aggs: { per_second: { date_histogram: { field: '@timestamp', fixed_interval: '1s' } } },
    })
      .then(() => phase.searchLatenciesMs.push(performance.now() - dueMs))
      .catch(() => {
        phase.searchErrors += 1;
      })
      .finally(() => {
        searchesInFlight -= 1;
      });
  };

  const closePhase = (): void => {
    current.durationMs = performance.now() - current.startedMs;
    phases.push(current);
  };
  process.on('message', (message: ParentMessage) => {
    closePhase();
    if (message.type === 'phase') current = newPhase(message.name);
    else stopping = true;
  });

  await Promise.all([
    schedule((1000 * options.bulkSize) / options.writeRate, () => stopping, write),
    schedule(1000 / options.searchRate, () => stopping, search),
  ]);
  // The last requests answer into the phase they were sent in.
  while (writesInFlight + searchesInFlight > 0) await new Promise((done) => setTimeout(done, 50));
  await es.close();
  const report: ReportMessage = {
    type: 'report',
    phases: phases.map(({ startedMs: _startedMs, ...phase }) => phase),
  };
  process.send?.(report, () => process.exit(0));
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  run(JSON.parse(process.argv[2]) as TrafficOptions).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
