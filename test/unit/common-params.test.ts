import { applyFilterPath, parseFilterPath } from '../../src/client/http-api/filter-path';
import {
  byteSizeText,
  timeValueText,
  withHumanReadableFields,
} from '../../src/client/http-api/human-readable';
import { jsonText } from '../../src/client/http-api/json-text';
import {
  errorText,
  readCommonParams,
  successText,
  type CommonParams,
} from '../../src/client/http-api/common-params';

const status = {
  start_time_millis: 1737676174349,
  complete: true,
  total_indices_in_data_stream: 4,
  total_indices_requiring_upgrade: 3,
  successes: 3,
  in_progress: [] as unknown[],
  pending: 0,
  errors: [] as unknown[],
};

const stream = {
  data_streams: [
    {
      name: 'logs-a',
      indices: [
        { index_name: '.ds-logs-a-1', index_uuid: 'u1', managed_by: 'Unmanaged' },
        { index_name: '.ds-logs-a-2', index_uuid: 'u2', managed_by: 'Unmanaged' },
      ],
      generation: 2,
      _meta: {},
      template: 'logs',
    },
  ],
};

/** Key order matters to a reader of the answer: compare the text. */
function filtered(body: unknown, filterPath: string): string {
  return JSON.stringify(applyFilterPath(body, filterPath));
}

describe('filter_path', () => {
  it("keeps the named fields, in the body's order, as in the issue's example", () => {
    expect(filtered(status, 'successes,complete')).toBe('{"complete":true,"successes":3}');
  });

  it('looks through arrays and keeps only whole paths', () => {
    expect(filtered(stream, 'data_streams.indices.index_name')).toBe(
      '{"data_streams":[{"indices":[{"index_name":".ds-logs-a-1"},{"index_name":".ds-logs-a-2"}]}]}',
    );
    // `name` is a scalar under a path that goes on: dropped; `generation` too.
    expect(filtered(stream, 'data_streams.name.x,data_streams.generation.y')).toBe('{}');
  });

  it('answers {} when nothing matches, and drops empty arrays and objects under a partial path', () => {
    expect(filtered(status, 'no.such')).toBe('{}');
    expect(filtered(status, 'errors.index')).toBe('{}');
    expect(filtered(stream, 'data_streams._meta.x')).toBe('{}');
    // A whole path keeps the empty array as it is.
    expect(filtered(status, 'errors')).toBe('{"errors":[]}');
  });

  it('matches `*` within one key and `**` across one key or more', () => {
    expect(filtered(status, 'total_*')).toBe(
      '{"total_indices_in_data_stream":4,"total_indices_requiring_upgrade":3}',
    );
    expect(filtered(status, '*_requiring_*')).toBe('{"total_indices_requiring_upgrade":3}');
    expect(filtered(stream, 'data_streams.*.index_uuid')).toBe(
      '{"data_streams":[{"indices":[{"index_uuid":"u1"},{"index_uuid":"u2"}]}]}',
    );
    expect(filtered(stream, '**.index_name')).toBe(
      '{"data_streams":[{"indices":[{"index_name":".ds-logs-a-1"},{"index_name":".ds-logs-a-2"}]}]}',
    );
    expect(filtered({ a: { b: { c: 1, d: 2 } } }, 'a.**.d')).toBe('{"a":{"b":{"d":2}}}');
    // `**` stands for at least one key: a top-level `complete` is not below one.
    expect(filtered(status, '**.complete')).toBe('{}');
    expect(filtered(status, '**')).toBe(JSON.stringify(status));
  });

  it('excludes with `-`, dropping what an exclusion empties but keeping what was empty already', () => {
    expect(filtered(status, '-in_progress,-errors,-start_time_millis')).toBe(
      '{"complete":true,"total_indices_in_data_stream":4,"total_indices_requiring_upgrade":3,"successes":3,"pending":0}',
    );
    expect(
      filtered(stream, '-data_streams.indices.index_uuid,-data_streams.indices.managed_by,-**.template'),
    ).toBe(
      '{"data_streams":[{"name":"logs-a","indices":[{"index_name":".ds-logs-a-1"},{"index_name":".ds-logs-a-2"}],"generation":2,"_meta":{}}]}',
    );
    expect(filtered({ a: { b: 1 }, c: 2 }, '-a.b')).toBe('{"c":2}');
    expect(filtered({ a: { b: 1 } }, '-a.b')).toBe('{}');
    expect(filtered({ a: [1, { b: 1 }] }, '-a.b')).toBe('{"a":[1]}');
  });

  it('applies includes first, then excludes', () => {
    expect(filtered(stream, 'data_streams.indices,-**.index_uuid,-**.managed_by')).toBe(
      '{"data_streams":[{"indices":[{"index_name":".ds-logs-a-1"},{"index_name":".ds-logs-a-2"}]}]}',
    );
  });

  it('lets a shorter path win, reads `\\.` as a literal dot, and ignores blanks and duplicates', () => {
    expect(filtered({ a: { b: 1, c: 2 } }, 'a.b,a')).toBe('{"a":{"b":1,"c":2}}');
    expect(filtered({ 'a.b': 1, a: { b: 2 } }, 'a\\.b')).toBe('{"a.b":1}');
    expect(parseFilterPath(' complete , ,-errors,complete')).toEqual({
      includes: ['complete'],
      excludes: ['errors'],
    });
    expect(filtered(status, '')).toBe(JSON.stringify(status));
  });
});

describe('pretty', () => {
  it("writes Elasticsearch's layout: ` : `, arrays one element a line, `{ }` and `[ ]`, a final newline", () => {
    expect(jsonText({ a: 1, b: [1, 'x'], c: {}, d: [], e: { f: null } }, true)).toBe(
      '{\n  "a" : 1,\n  "b" : [\n    1,\n    "x"\n  ],\n  "c" : { },\n  "d" : [ ],\n  "e" : {\n    "f" : null\n  }\n}\n',
    );
    expect(jsonText({ a: 1 }, false)).toBe('{"a":1}');
  });
});

describe('human', () => {
  it("formats sizes and durations as Elasticsearch's ByteSizeValue and TimeValue do", () => {
    expect([0, 227, 1024, 1536, 1100, 10 * 1024 ** 2, 5 * 1024 ** 4 + 1].map(byteSizeText)).toEqual([
      '0b',
      '227b',
      '1kb',
      '1.5kb',
      '1kb',
      '10mb',
      '5tb',
    ]);
    expect([0, 15, 1000, 1234, 90_000, 5_400_000, 86_400_000 * 2.5, -1].map(timeValueText)).toEqual([
      '0s',
      '15ms',
      '1s',
      '1.2s',
      '1.5m',
      '1.5h',
      '2.5d',
      '-1',
    ]);
  });

  it('puts the readable twin before each `_millis`, `_in_millis` and `_in_bytes` number, at any depth', () => {
    const body = {
      start_time_millis: 1737676174349,
      indices: [{ size_in_bytes: 2048, took_in_millis: 1500, estimated_copy_millis: 60_000 }],
      paused: { since: 'kept', since_millis: 0 },
    };
    expect(JSON.stringify(withHumanReadableFields(body))).toBe(
      JSON.stringify({
        start_time: '2025-01-23T23:49:34.349Z',
        start_time_millis: 1737676174349,
        indices: [
          {
            size: '2kb',
            size_in_bytes: 2048,
            took: '1.5s',
            took_in_millis: 1500,
            estimated_copy: '1m',
            estimated_copy_millis: 60_000,
          },
        ],
        paused: { since: 'kept', since_millis: 0 },
      }),
    );
  });
});

describe('the four parameters together', () => {
  const params = (query: string): CommonParams => readCommonParams(new URLSearchParams(query));

  it('reads flags as Elasticsearch does and refuses a value that is not a boolean', () => {
    expect(params('pretty&human=true&error_trace=false')).toEqual({
      pretty: true,
      human: true,
      errorTrace: false,
      filterPath: null,
    });
    expect(() => params('pretty=yes')).toThrow(
      'Failed to parse value [yes] as only [true] or [false] are allowed.',
    );
    expect(() => params('error_trace=1')).toThrow(
      'Failed to parse value [1] as only [true] or [false] are allowed.',
    );
  });

  it('applies human before filter_path, so a filter can name a readable field', () => {
    expect(successText(status, params('human&filter_path=start_time,successes'))).toBe(
      '{"start_time":"2025-01-23T23:49:34.349Z","successes":3}',
    );
  });

  it('never filters an error, and adds a stack trace only with error_trace', () => {
    const err = new Error('boom');
    const body = {
      error: {
        root_cause: [{ type: 'x', reason: 'boom' }],
        type: 'x',
        reason: 'boom',
        caused_by: { type: 'y', reason: 'z' },
      },
      status: 400,
    };
    expect(errorText(body, params('filter_path=status'), err)).toBe(JSON.stringify(body));
    const traced = JSON.parse(errorText(body, params('error_trace'), err)) as {
      error: {
        stack_trace: string;
        root_cause: Array<{ stack_trace: string }>;
        caused_by: { stack_trace: string };
      };
      status: number;
    };
    expect(Object.keys(traced.error)).toEqual(['root_cause', 'type', 'reason', 'caused_by', 'stack_trace']);
    expect(traced.error.stack_trace).toContain('Error: boom');
    expect(traced.error.root_cause[0].stack_trace).toContain('Error: boom');
    expect(traced.error.caused_by.stack_trace).toContain('Error: boom');
    expect(traced.status).toBe(400);
    expect(errorText(body, params('error_trace=false'), err)).not.toContain('stack_trace');
  });
});
