import { errors } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';

/** Names unique per run so the suite can share a real cluster with other data. */
export function uniqueName(prefix: string): string {
  return `fid-${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface EsErrorShape {
  status: number;
  type: string;
  reason?: string | RegExp;
}

interface ErrorBody {
  error?: { type?: string; reason?: string; root_cause?: Array<{ type?: string; reason?: string }> } | string;
  status?: number;
}

/** Asserts the call fails like Elasticsearch: status, error type, root cause and reason. */
export async function expectEsError(call: Promise<unknown>, expected: EsErrorShape): Promise<ErrorBody> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(errors.ResponseError);
  const err = caught as errors.ResponseError;
  expect(err.meta.statusCode).toBe(expected.status);
  const body = err.meta.body as ErrorBody;
  expect(body.status).toBe(expected.status);
  const error = body.error;
  if (typeof error !== 'object' || error === undefined)
    throw new Error(`error body is not an object: ${JSON.stringify(body)}`);
  expect(error.type).toBe(expected.type);
  expect(error.root_cause?.[0]?.type).toBe(expected.type);
  if (typeof expected.reason === 'string') expect(error.reason).toBe(expected.reason);
  else if (expected.reason) expect(error.reason).toMatch(expected.reason);
  return body;
}

/** A template body that owns `name` (and nothing a real cluster's built-in templates claim). */
export function dataStreamTemplate(pattern: string): {
  index_patterns: string[];
  data_stream: Record<string, never>;
  priority: number;
  template: {
    settings: { number_of_replicas: number };
    mappings: { properties: Record<string, { type: string }> };
  };
} {
  return {
    index_patterns: [pattern],
    data_stream: {},
    priority: 500,
    template: {
      settings: { number_of_replicas: 0 },
      mappings: {
        properties: { '@timestamp': { type: 'date' }, message: { type: 'text' }, n: { type: 'long' } },
      },
    },
  };
}
