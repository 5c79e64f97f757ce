/**
 * What each route of the HTTP API does and answers, for its OpenAPI document (`openapi.ts`). Keyed
 * `METHOD path` as the router's table names routes; a route without an entry here, or an entry without
 * its route, fails the build of the document and the contract test.
 */

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface RouteDescription {
  summary: string;
  description: string;
  /** Whose endpoint it is: Elasticsearch's (same path, bodies and errors) or ds-reindex's own. */
  tag: 'elasticsearch' | 'ds-reindex';
  /** The 200 body. */
  response: JsonSchema;
  /** The request body, for routes that read one. */
  requestBody?: { required: boolean; schema: JsonSchema };
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const object = (description: string): JsonSchema => ({ type: 'object', description });

/** Descriptions of the query parameters routes read besides the common four. */
export const QUERY_PARAMETERS: Readonly<Record<string, { description: string; schema: JsonSchema }>> = {
  now: {
    description: 'Pause at once: stop the copies in flight (they resume where they were).',
    schema: { type: 'boolean' },
  },
  flat_settings: { description: 'Settings as flat dotted keys.', schema: { type: 'boolean' } },
  include_defaults: { description: 'Include default settings.', schema: { type: 'boolean' } },
  master_timeout: {
    description: 'Time to wait for the master node (validated, passed on).',
    schema: { type: 'string' },
  },
  timeout: { description: 'Time to wait for an answer (validated).', schema: { type: 'string' } },
  local: { description: 'Read the local node’s view.', schema: { type: 'boolean' } },
  method: { description: 'The HTTP method asked about.', schema: { type: 'string', default: 'GET' } },
  path: { description: 'The path asked about.', schema: { type: 'string', default: '/' } },
  parameters: {
    description: 'Comma-separated query parameters the endpoint must accept.',
    schema: { type: 'string' },
  },
  capabilities: {
    description: 'Comma-separated capabilities the endpoint must declare.',
    schema: { type: 'string' },
  },
  local_only: { description: 'Ask this node only.', schema: { type: 'boolean' } },
  pattern: {
    description: 'Data streams to consider (index pattern).',
    schema: { type: 'string', default: '*' },
  },
  include_system: { description: 'Include system data streams.', schema: { type: 'boolean' } },
  allow_disk_risk: {
    description:
      'Start even when the disk plan would take a node past the flood-stage watermark. Without it such a ' +
      'start is refused with 409 `status_exception`, naming the nodes, the space the upgrade needs there at ' +
      'once, the space available and the free space the flood-stage watermark requires. Nothing is ' +
      'refused when `cluster.routing.allocation.disk.threshold_enabled` is false. See docs/DISK.md.',
    schema: { type: 'boolean', default: false },
  },
  read_only: {
    description: 'Mark indices read-only instead of copying them where allowed.',
    schema: { type: 'boolean' },
  },
  read_only_older_than: {
    description: 'Mark read-only only indices older than this age (e.g. `90d`).',
    schema: { type: 'string' },
  },
  indices: {
    description:
      'Also upgrade the old standalone indices (outside every data stream) this Elasticsearch index pattern names (comma lists and `-` exclusions allowed, hidden and closed indices included). Each is reindexed under its own workflow; one `_aliases` call then removes it and gives its name and every alias to the new index. System, needs-a-person and searchable-snapshot indices are listed, never touched.',
    schema: { type: 'string' },
  },
  reindex_read_only: {
    description:
      'Reindex the old indices marked read-only (verified write block) too: the backing indices of the selected data streams, and with `indices` the standalone ones. Refused (400) when the cluster is already on the major after the one that created them.',
    schema: { type: 'boolean' },
  },
  ilm_horizon: {
    description: 'Indices ILM deletes within this horizon are left alone.',
    schema: { type: 'string' },
  },
  max_data_streams: {
    description: 'At most this many data streams.',
    schema: { type: 'integer', minimum: 1 },
  },
  verify: {
    description:
      'How each copy is proven before its swap: `count` (document counts), `ids` (the same `_id`s) or `content` (the same `_id` → `_source`). Default: the cluster setting `cluster.metadata.ds_reindex.verify`, else `count`.',
    schema: { type: 'string', enum: ['count', 'ids', 'content'] },
  },
};

/** The reusable schemas the descriptions refer to. */
export const SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Acknowledged: {
    type: 'object',
    required: ['acknowledged'],
    properties: { acknowledged: { type: 'boolean' } },
  },
  ReindexStatus: {
    type: 'object',
    description: "Elasticsearch's reindex data stream status; `start_time` only with `?human`.",
    required: [
      'start_time_millis',
      'complete',
      'total_indices_in_data_stream',
      'total_indices_requiring_upgrade',
      'successes',
      'in_progress',
      'pending',
      'errors',
    ],
    properties: {
      start_time: { type: 'string', format: 'date-time' },
      start_time_millis: { type: 'integer' },
      complete: { type: 'boolean' },
      verify: {
        type: 'string',
        enum: ['ids', 'content'],
        description: 'ds-reindex only, when not `count`: how each copy is proven before its swap.',
      },
      total_indices_in_data_stream: { type: 'integer' },
      total_indices_requiring_upgrade: { type: 'integer' },
      successes: { type: 'integer' },
      in_progress: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            index: { type: 'string' },
            total_doc_count: { type: 'integer' },
            reindexed_doc_count: { type: 'integer' },
          },
        },
      },
      pending: { type: 'integer' },
      errors: {
        type: 'array',
        items: { type: 'object', properties: { index: { type: 'string' }, message: { type: 'string' } } },
      },
      exception: { type: 'string' },
      paused: object('ds-reindex only: present while the upgrade is paused.'),
    },
  },
  ElasticsearchError: {
    description:
      "Elasticsearch's error body; `error` is a string for the REST layer's own refusals (no handler, wrong method, content type).",
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        oneOf: [
          {
            type: 'object',
            required: ['type', 'reason'],
            properties: {
              root_cause: { type: 'array', items: { type: 'object' } },
              type: { type: 'string' },
              reason: { type: 'string' },
              caused_by: { type: 'object' },
              stack_trace: { type: 'string', description: 'Only with `?error_trace`.' },
            },
          },
          { type: 'string' },
        ],
      },
      status: { type: 'integer' },
    },
  },
};

const onDataStream = 'The caller needs `manage` on the data stream.';
const onRun = 'The caller needs `manage` on every data stream of the run.';

export const ROUTE_DESCRIPTIONS: Readonly<Record<string, RouteDescription>> = {
  'POST /_migration/reindex': {
    tag: 'elasticsearch',
    summary: 'Start upgrading a data stream',
    description: `Elasticsearch's reindex data stream API: starts the durable upgrade of the data stream's old backing indices. ${onDataStream}`,
    response: ref('Acknowledged'),
    requestBody: {
      required: true,
      schema: {
        type: 'object',
        required: ['source', 'mode'],
        properties: {
          source: { type: 'object', required: ['index'], properties: { index: { type: 'string' } } },
          mode: { const: 'upgrade' },
        },
      },
    },
  },
  'GET /_migration/reindex/{dataStream}/_status': {
    tag: 'elasticsearch',
    summary: 'Status of an upgrade',
    description: `Elasticsearch's status body, kept 24 h after the end. ${onDataStream}`,
    response: ref('ReindexStatus'),
  },
  'POST /_migration/reindex/{dataStream}/_cancel': {
    tag: 'elasticsearch',
    summary: 'Cancel an upgrade',
    description: `Cancels the upgrade; indices being copied are rolled back. ${onDataStream}`,
    response: ref('Acknowledged'),
  },
  'POST /_migration/reindex/{dataStream}/_pause': {
    tag: 'ds-reindex',
    summary: 'Pause an upgrade',
    description: `Starts no new index; with \`now\`, stops the copies in flight too. ${onDataStream}`,
    response: ref('Acknowledged'),
  },
  'POST /_migration/reindex/{dataStream}/_resume': {
    tag: 'ds-reindex',
    summary: 'Resume a paused upgrade',
    description: onDataStream,
    response: ref('Acknowledged'),
  },
  'GET /_migration/reindex/{dataStream}/_plan': {
    tag: 'ds-reindex',
    summary: 'Dry run: what an upgrade would do',
    description: `Each backing index and whether, and why, it would be upgraded; changes nothing. ${onDataStream}`,
    response: object(
      '`data_stream`, `backing_indices` (each with `needs_upgrade` or its skip reason), totals.',
    ),
  },
  'GET /_migration/reindex/_list': {
    tag: 'ds-reindex',
    summary: 'Every upgrade with a status',
    description: 'Only those of data streams the caller manages.',
    response: {
      type: 'object',
      properties: {
        reindex_tasks: { type: 'array', items: object('`data_stream`, `start_time_millis`, state.') },
      },
    },
  },
  'GET /_cluster/settings': {
    tag: 'elasticsearch',
    summary: "The cluster's settings",
    description: "Answered by the cluster itself, with the caller's credentials.",
    response: object('`persistent`, `transient` (and `defaults` with `include_defaults`).'),
  },
  'PUT /_cluster/settings': {
    tag: 'elasticsearch',
    summary: 'Update cluster settings',
    description:
      'Stored in the cluster; the two `migrate.*` settings are validated first, and running upgrades are told about a concurrency change at once.',
    response: object("Elasticsearch's answer: `acknowledged`, `persistent`, `transient`."),
    requestBody: {
      required: true,
      schema: {
        type: 'object',
        properties: { persistent: { type: 'object' }, transient: { type: 'object' } },
        additionalProperties: false,
      },
    },
  },
  'GET /': {
    tag: 'elasticsearch',
    summary: "The cluster's root",
    description: "The cluster's own answer, so that tools probing it see Elasticsearch.",
    response: object('`name`, `cluster_name`, `cluster_uuid`, `version`, `tagline`.'),
  },
  'GET /_capabilities': {
    tag: 'elasticsearch',
    summary: 'Whether an endpoint, parameters and capabilities are supported',
    description: 'Answered from the route table this API serves.',
    response: {
      type: 'object',
      properties: {
        _nodes: { type: 'object' },
        cluster_name: { type: 'string' },
        supported: { type: 'boolean' },
      },
    },
  },
  'GET /_ds_reindex/cluster/_plan': {
    tag: 'ds-reindex',
    summary: 'Dry run of a whole-cluster upgrade',
    description:
      'Every matching data stream, what would be upgraded or marked read-only, and estimates; shows only what the caller may see.',
    response: object('Data streams, their indices and totals.'),
  },
  'POST /_ds_reindex/cluster/_start': {
    tag: 'ds-reindex',
    summary: 'Start a whole-cluster upgrade',
    description: `Upgrades every matching data stream, a few at a time. ${onRun}`,
    response: object('`acknowledged`, and what was started.'),
    requestBody: {
      required: false,
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          pattern: { type: 'string' },
          include_system: { type: 'boolean' },
          read_only: { type: 'boolean' },
          read_only_older_than: { type: 'string' },
          max_data_streams: { type: 'integer' },
          indices: {
            type: 'string',
            description:
              'Also upgrade the old standalone indices this index pattern names; see the plan parameter `indices`.',
          },
          reindex_read_only: {
            type: 'boolean',
            description:
              'Reindex the old indices marked read-only too, backing and (with `indices`) standalone; see the plan parameter `reindex_read_only`.',
          },
          window: { type: 'string', description: 'A maintenance window: upgrades start only inside it.' },
          verify: {
            type: 'string',
            enum: ['count', 'ids', 'content'],
            description:
              "How every data stream's copies are proven before their swap. Default: the cluster setting `cluster.metadata.ds_reindex.verify`, else `count`.",
          },
        },
      },
    },
  },
  'GET /_ds_reindex/cluster/_status': {
    tag: 'ds-reindex',
    summary: 'Status of the whole-cluster upgrade',
    description: onRun,
    response: object('State, data streams done, running and pending, times.'),
  },
  'POST /_ds_reindex/cluster/_cancel': {
    tag: 'ds-reindex',
    summary: 'Cancel the whole-cluster upgrade',
    description: onRun,
    response: ref('Acknowledged'),
  },
  'POST /_ds_reindex/cluster/_pause': {
    tag: 'ds-reindex',
    summary: 'Pause the whole-cluster upgrade',
    description: onRun,
    response: ref('Acknowledged'),
  },
  'POST /_ds_reindex/cluster/_resume': {
    tag: 'ds-reindex',
    summary: 'Resume the whole-cluster upgrade',
    description: onRun,
    response: ref('Acknowledged'),
  },
  'GET /_ds_reindex/cluster/_report': {
    tag: 'ds-reindex',
    summary: 'Report of the whole-cluster upgrade',
    description: `What each data stream's upgrade did, and how long it took. ${onRun}`,
    response: object('Per data stream outcome, totals and durations.'),
  },
  'GET /_ds_reindex/cluster/_readiness': {
    tag: 'ds-reindex',
    summary: 'Whether the cluster is ready for the next major',
    description:
      "Reads Elasticsearch only, with the caller's credentials (cluster privilege `monitor`): every index created before the current major, hidden, closed and system ones included, classified as `data_stream`, `standalone`, `system` (left to `POST /_migration/system_features`), `needs_person` (percolator field, transform destination, follower), `searchable_snapshot` or `verified_read_only` (the last two are fine). `verdict` is `ready` or `not ready: N indices`; always 200 when the report could be made. See docs/READINESS.md.",
    response: {
      type: 'object',
      required: ['verdict', 'ready', 'blocking_indices', 'old_indices', 'counts', 'checks'],
      properties: {
        cluster_version: { type: 'string' },
        verdict: { type: 'string', examples: ['ready', 'not ready: 3 indices'] },
        ready: { type: 'boolean' },
        blocking_indices: { type: 'integer' },
        indices_checked: { type: 'integer' },
        old_indices: {
          type: 'array',
          items: object('One old index: category, whether it blocks, reasons, action.'),
        },
        counts: object('Old indices per category.'),
        checks: object('Whether the system feature and transform reads could be made, and why not.'),
        system_feature_migration_status: { type: ['string', 'null'] },
      },
    },
  },
  'GET /_ds_reindex/openapi.json': {
    tag: 'ds-reindex',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of every route of this API, built from its route table.',
    response: { type: 'object', required: ['openapi', 'paths'] },
  },
};
