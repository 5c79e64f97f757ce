import type { Client } from '@elastic/elasticsearch';
import { chunked, mapInParallel } from './cluster-inspection';
import { reasonOf, statusCodeOf } from './errors';
import { parseDurationMs } from '../shared/time-values';

/** Whether the cluster answers ILM's API, and if not, what it said (so the plan can say "unknown" and why). */
export type IlmAvailability = { available: true } | { available: false; reason: string };

/** What ILM knows about one backing index (`GET <index>/_ilm/explain`). */
export interface IlmIndexState {
  managed: boolean;
  policy?: string;
  /** The instant ILM measures the phases' `min_age` from (rollover, origination or creation date). */
  lifecycleDateMillis?: number;
  phase?: string;
}

export interface IlmFacts {
  availability: IlmAvailability;
  /**
   * Per policy: the `min_age` of its delete phase in ms, or `null` when the policy never deletes
   * (no delete phase, or a delete phase without the `delete` action).
   */
  deleteAfterMs: Map<string, number | null>;
  indices: Map<string, IlmIndexState>;
}

const DATA_STREAMS_PER_REQUEST = 40;
const PARALLEL_REQUESTS = 4;

/**
 * A cluster without ILM (the x-pack ILM plugin absent, as in Elasticsearch's integration-test build)
 * answers `GET _ilm/policy` with "no handler found" (400) or "Incorrect HTTP method" (405); a caller
 * without `read_ilm` gets 403. Anything else (5xx, a lost connection) is an error, not an answer.
 */
function unavailableReason(err: unknown): string | undefined {
  const status = statusCodeOf(err);
  if (status === 400 || status === 405 || status === 404) {
    return `the cluster has no ILM API (GET _ilm/policy answered ${status}: ${reasonOf(err)})`;
  }
  if (status === 401 || status === 403) {
    return `not allowed to read ILM policies (${status}: ${reasonOf(err)})`;
  }
  return undefined;
}

interface PolicyBody {
  policy?: { phases?: Record<string, { min_age?: unknown; actions?: Record<string, unknown> }> };
}

function deletePhaseMinAgeMs(body: PolicyBody): number | null {
  const phase = body.policy?.phases?.delete;
  if (phase === undefined || phase.actions?.delete === undefined) return null;
  const minAge = typeof phase.min_age === 'string' ? phase.min_age : '0ms';
  return parseDurationMs(minAge);
}

/**
 * ILM's policies and its view of the backing indices of `dataStreams`, read in batches. Changes nothing.
 * When the cluster has no ILM API, or the caller may not read it, says so instead of guessing.
 */
export async function readIlmFacts(es: Client, dataStreams: readonly string[]): Promise<IlmFacts> {
  const facts: IlmFacts = { availability: { available: true }, deleteAfterMs: new Map(), indices: new Map() };
  let policies: Record<string, PolicyBody>;
  try {
    policies = (await es.ilm.getLifecycle()) as unknown as Record<string, PolicyBody>;
  } catch (err) {
    const reason = unavailableReason(err);
    if (reason === undefined) throw err;
    facts.availability = { available: false, reason };
    return facts;
  }
  for (const [name, body] of Object.entries(policies)) {
    try {
      facts.deleteAfterMs.set(name, deletePhaseMinAgeMs(body));
    } catch {
      // A `min_age` this code cannot read: the policy stays out of the map, so its indices say "unknown".
    }
  }

  const answers = await mapInParallel(
    chunked(dataStreams, DATA_STREAMS_PER_REQUEST),
    PARALLEL_REQUESTS,
    (chunk) => es.ilm.explainLifecycle({ index: chunk.join(',') }),
  );
  for (const answer of answers) {
    for (const [index, entry] of Object.entries(answer.indices)) {
      const state = entry as {
        managed: boolean;
        policy?: string;
        lifecycle_date_millis?: number;
        phase?: string;
      };
      facts.indices.set(index, {
        managed: state.managed,
        policy: state.policy,
        lifecycleDateMillis: state.lifecycle_date_millis,
        phase: state.phase,
      });
    }
  }
  return facts;
}
