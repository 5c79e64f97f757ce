import type { Client } from '@elastic/elasticsearch';
import { apiErrors } from './api-error';
import {
  inspectDataStreams,
  type BackingIndexFacts,
  type ClusterFacts,
  type DataStreamFacts,
} from '../../elasticsearch/cluster-inspection';
import { DataStreamNotFoundError } from '../../elasticsearch/data-streams';
import { planDisk, type DiskPlan } from '../../elasticsearch/disk-plan';
import { readIlmFacts, type IlmFacts } from '../../elasticsearch/ilm';
import { readMigrateSettings } from '../../elasticsearch/migrate-settings-store';
import {
  ageReferenceMillis,
  upgradePathOf,
  type ReadOnlyRule,
  type UpgradePath,
} from '../../shared/read-only-rule';
import {
  InvalidWindowError,
  parseMaintenanceWindow,
  type MaintenanceWindow,
} from '../../shared/maintenance-window';
import { formatDurationMs, InvalidDurationError, parseDurationMs } from '../../shared/time-values';
import { invalidVerifyModeReason, parseVerifyMode, type VerifyMode } from '../../shared/verify-mode';
import { planStandaloneIndices, refuseOnNextMajor, type StandalonePlan } from './standalone-plan';
import { upgradedByRun } from '../../shared/upgrade-predicate';
import { CLUSTER_TUNABLES } from '../../workflows/tunables';

/** What the operator chooses for the read-only path, before the run fixes its cutoff instant. */
export type ReadOnlyChoice = { kind: 'none' } | { kind: 'all' } | { kind: 'older-than'; olderThanMs: number };

export interface ClusterSelection {
  /** Which data streams, as `GET _data_stream/<pattern>` reads it; default `*`. */
  pattern: string;
  /** System data streams are listed and flagged, but upgraded only when asked for. */
  includeSystem: boolean;
  readOnly: ReadOnlyChoice;
  /**
   * Standalone indices to upgrade too (`--indices`): an Elasticsearch index pattern, comma lists and
   * exclusions allowed; absent: data streams only.
   */
  indices?: string;
  /**
   * Old indices marked read-only (`index.verified_read_only`), backing and standalone, are reindexed too
   * (`--reindex-read-only`).
   */
  reindexReadOnly?: boolean;
}

export interface ClusterPlanOptions extends ClusterSelection {
  /** Old indices ILM deletes within this much time are flagged. */
  ilmHorizonMs: number;
  /** Data streams upgraded at once, for the cluster's time estimate. */
  maxDataStreams: number;
  nowMillis: number;
}

/** When ILM will delete an old index, as far as the cluster lets us know. */
export type IlmDeletionForecast =
  | { state: 'not-managed' }
  | { state: 'unknown'; reason: string }
  | { state: 'never'; policy: string }
  | { state: 'scheduled'; policy: string; delete_after_millis: number; soon: boolean };

export interface ClusterPlanIndex {
  index: string;
  path: UpgradePath;
  version_created: number;
  write_index: boolean;
  closed: boolean;
  doc_count: number | null;
  size_in_bytes: number | null;
  /** What the index's age is measured from: origination date when set, else creation date (epoch ms). */
  age_reference_millis: number;
  ilm_deletion: IlmDeletionForecast;
}

export interface ClusterPlanDataStream {
  data_stream: string;
  system: boolean;
  /** False for a system data stream without `include_system`: listed, but not upgraded by a run. */
  included: boolean;
  ilm_policy: string | null;
  write_index: string;
  /** The write index is old, so the data stream rolls over first (it cannot be blocked). */
  rolls_over: boolean;
  total_backing_indices: number;
  /** Old indices already marked read-only (`index.verified_read_only`): skipped, unless `--reindex-read-only`. */
  already_read_only: number;
  /** The backing indices needing upgrade, oldest first, each with the path it takes. */
  old_indices: ClusterPlanIndex[];
  indices_to_reindex: number;
  indices_to_mark_read_only: number;
  documents_to_reindex: number;
  bytes_to_reindex: number;
  /** Closed indices to reindex: Elasticsearch does not count their documents, so the estimate leaves them out. */
  closed_indices_to_reindex: number;
  /** Old indices ILM deletes within the horizon anyway. */
  ilm_deletes_soon: string[];
  /** At the current throttle and per-data-stream concurrency; `null` when unthrottled. */
  estimated_copy_millis: number | null;
}

export interface ClusterPlanTotals {
  data_streams: number;
  system_data_streams: number;
  old_indices: number;
  indices_to_reindex: number;
  indices_to_mark_read_only: number;
  already_read_only: number;
  documents_to_reindex: number;
  bytes_to_reindex: number;
  ilm_deletes_soon: number;
  /** For the included data streams, `max_data_streams` at a time; `null` when unthrottled. */
  estimated_copy_millis: number | null;
}

export interface ClusterPlan {
  cluster_version: string;
  pattern: string;
  generated_at_millis: number;
  throttle: {
    max_requests_per_second: number;
    max_concurrent_indices_per_data_stream: number;
    max_data_streams: number;
  };
  read_only: ReadOnlyView;
  ilm: { available: boolean; reason?: string; horizon: string };
  /** Every data stream with backing indices needing upgrade, by name. */
  data_streams: ClusterPlanDataStream[];
  /** Data streams the pattern names with nothing left to upgrade. */
  data_streams_up_to_date: number;
  totals: ClusterPlanTotals;
  /**
   * Per node holding shards of indices to reindex: free disk, watermarks, the extra space at once (at
   * `max_data_streams` × the per-data-stream concurrency) and the verdict.
   */
  disk: DiskPlan;
  /** The standalone indices (`--indices`); absent without it. */
  standalone_indices?: StandalonePlan;
}

/** The read-only rule as the plan, the status and the report show it. */
export interface ReadOnlyView {
  kind: ReadOnlyRule['kind'];
  /** `90d`: what the operator asked for (rule `older-than` only). */
  older_than?: string;
  /** Indices whose age reference is before this instant take the read-only path (epoch ms). */
  cutoff_millis?: number;
}

export function readOnlyView(rule: ReadOnlyRule): ReadOnlyView {
  return rule.kind === 'older-than'
    ? { kind: rule.kind, older_than: formatDurationMs(rule.olderThanMs), cutoff_millis: rule.cutoffMillis }
    : { kind: rule.kind };
}

/** The read-only rule of a plan or run that starts at `nowMillis`. */
export function readOnlyRuleAt(choice: ReadOnlyChoice, nowMillis: number): ReadOnlyRule {
  if (choice.kind !== 'older-than') return choice;
  return {
    kind: 'older-than',
    olderThanMs: choice.olderThanMs,
    cutoffMillis: nowMillis - choice.olderThanMs,
  };
}

/**
 * When ILM deletes an index: its lifecycle date (as ILM's explain reports it, else the origination or
 * creation date) plus the `min_age` of its policy's delete phase. Without an ILM API, an index that names
 * a policy is "unknown", never guessed.
 */
export function forecastIlmDeletion(
  index: BackingIndexFacts,
  ilm: IlmFacts,
  nowMillis: number,
  horizonMs: number,
): IlmDeletionForecast {
  if (index.managed_by === 'Data stream lifecycle') {
    return {
      state: 'unknown',
      reason: 'managed by the data stream lifecycle, whose deletions are not forecast',
    };
  }
  if (!ilm.availability.available) {
    return index.lifecycle_policy === null
      ? { state: 'not-managed' }
      : { state: 'unknown', reason: ilm.availability.reason };
  }
  const explained = ilm.indices.get(index.index);
  if (explained !== undefined && !explained.managed) return { state: 'not-managed' };
  const policy = explained?.policy ?? index.lifecycle_policy;
  if (policy === null) return { state: 'not-managed' };
  const deleteAfterMs = ilm.deleteAfterMs.get(policy);
  if (deleteAfterMs === undefined) {
    return { state: 'unknown', reason: `ILM policy [${policy}] was not found or could not be read` };
  }
  if (deleteAfterMs === null) return { state: 'never', policy };
  const lifecycleDate =
    explained?.lifecycleDateMillis ??
    ageReferenceMillis({
      creationDateMillis: index.creation_date_millis,
      originationDateMillis: index.origination_date_millis ?? undefined,
    });
  const deleteAt =
    explained?.phase === 'delete'
      ? Math.min(nowMillis, lifecycleDate + deleteAfterMs)
      : lifecycleDate + deleteAfterMs;
  return {
    state: 'scheduled',
    policy,
    delete_after_millis: deleteAt,
    soon: deleteAt <= nowMillis + horizonMs,
  };
}

/**
 * How long copying takes at `requestsPerSecond` documents per second per index, `concurrency` indices at
 * once: the larger of the biggest index alone and the total shared over the lanes. `null` when unthrottled.
 */
export function estimateCopyMillis(
  documentsPerIndex: readonly number[],
  requestsPerSecond: number,
  concurrency: number,
): number | null {
  if (requestsPerSecond <= 0) return null;
  if (documentsPerIndex.length === 0) return 0;
  const total = documentsPerIndex.reduce((sum, docs) => sum + docs, 0);
  const lanes = Math.max(1, Math.min(concurrency, documentsPerIndex.length));
  const critical = Math.max(Math.max(...documentsPerIndex), total / lanes);
  return Math.ceil((1000 * critical) / requestsPerSecond);
}

/** The cluster's time: each data stream's own estimate, `lanes` data streams at once (`null` if any is). */
export function estimateClusterMillis(
  perDataStream: readonly (number | null)[],
  lanes: number,
): number | null {
  if (perDataStream.some((millis) => millis === null)) return null;
  const values = perDataStream as number[];
  if (values.length === 0) return 0;
  const total = values.reduce((sum, millis) => sum + millis, 0);
  return Math.ceil(Math.max(Math.max(...values), total / Math.max(1, Math.min(lanes, values.length))));
}

function planDataStream(
  facts: DataStreamFacts,
  rule: ReadOnlyRule,
  ilm: IlmFacts,
  options: ClusterPlanOptions,
  throttle: { maxRequestsPerSecond: number; maxConcurrentIndices: number },
): ClusterPlanDataStream {
  const reindexReadOnly = options.reindexReadOnly === true;
  const old = facts.backing_indices.filter((index) => upgradedByRun(index, reindexReadOnly));
  const oldIndices = old.map((index): ClusterPlanIndex => {
    const ageReference = ageReferenceMillis({
      creationDateMillis: index.creation_date_millis,
      originationDateMillis: index.origination_date_millis ?? undefined,
    });
    return {
      index: index.index,
      path: upgradePathOf({ creationDateMillis: ageReference }, rule),
      version_created: index.version_created,
      write_index: index.write_index,
      closed: index.closed,
      doc_count: index.doc_count,
      size_in_bytes: index.size_in_bytes,
      age_reference_millis: ageReference,
      ilm_deletion: forecastIlmDeletion(index, ilm, options.nowMillis, options.ilmHorizonMs),
    };
  });
  const reindexed = oldIndices.filter((index) => index.path === 'reindex');
  const documents = reindexed.map((index) => index.doc_count ?? 0);
  return {
    data_stream: facts.data_stream,
    system: facts.system,
    included: options.includeSystem || !facts.system,
    ilm_policy: facts.ilm_policy,
    write_index: facts.write_index,
    rolls_over: oldIndices.some((index) => index.write_index),
    total_backing_indices: facts.backing_indices.length,
    already_read_only: reindexReadOnly
      ? 0
      : facts.backing_indices.filter((index) => index.skip_reason === 'verified-read-only').length,
    old_indices: oldIndices,
    indices_to_reindex: reindexed.length,
    indices_to_mark_read_only: oldIndices.length - reindexed.length,
    documents_to_reindex: documents.reduce((sum, docs) => sum + docs, 0),
    bytes_to_reindex: reindexed.reduce((sum, index) => sum + (index.size_in_bytes ?? 0), 0),
    closed_indices_to_reindex: reindexed.filter((index) => index.closed).length,
    ilm_deletes_soon: oldIndices
      .filter((index) => index.ilm_deletion.state === 'scheduled' && index.ilm_deletion.soon)
      .map((index) => index.index),
    estimated_copy_millis: estimateCopyMillis(
      documents,
      throttle.maxRequestsPerSecond,
      throttle.maxConcurrentIndices,
    ),
  };
}

/**
 * `--reindex-read-only` on backing indices the next major keeps read-only: refused as for standalone
 * indices (`refuseOnNextMajor`), naming them, before anything changes.
 */
function refuseReadOnlyReindexOnNextMajor(clusterVersion: string, streams: readonly DataStreamFacts[]): void {
  const marked = streams.flatMap((stream) =>
    stream.backing_indices.filter((index) => index.skip_reason === 'verified-read-only'),
  );
  if (marked.length === 0) return;
  const versions = new Map(marked.map((index) => [index.index, index.version_created]));
  refuseOnNextMajor(
    clusterVersion,
    marked.map((index) => ({ index: index.index, category: 'verified_read_only', path: 'reindex' })),
    (index) => versions.get(index) ?? 0,
  );
}

/** The data streams with old indices a run upgrades (refused as `refuseReadOnlyReindexOnNextMajor` says). */
function dataStreamsToUpgrade(facts: ClusterFacts, reindexReadOnly: boolean): DataStreamFacts[] {
  const streams = facts.data_streams.filter((stream) =>
    stream.backing_indices.some((index) => upgradedByRun(index, reindexReadOnly)),
  );
  if (reindexReadOnly) refuseReadOnlyReindexOnNextMajor(facts.cluster_version, streams);
  return streams;
}

/**
 * The whole-cluster dry run: every data stream the pattern names that has backing indices needing
 * upgrade, each old index with the path it takes (reindex or mark read-only), its documents and size, when
 * ILM deletes it, and the time copying takes at the current throttle. Reads Elasticsearch only, in
 * batches; changes nothing.
 */
export async function planCluster(es: Client, options: ClusterPlanOptions): Promise<ClusterPlan> {
  let facts;
  try {
    facts = await inspectDataStreams(es, options.pattern);
  } catch (err) {
    if (err instanceof DataStreamNotFoundError) throw apiErrors.dataStreamNotFound(options.pattern);
    throw err;
  }
  const withOldIndices = dataStreamsToUpgrade(facts, options.reindexReadOnly === true);
  const [settings, ilm] = await Promise.all([
    readMigrateSettings(es),
    readIlmFacts(
      es,
      withOldIndices.map((stream) => stream.data_stream),
    ),
  ]);
  const rule = readOnlyRuleAt(options.readOnly, options.nowMillis);
  const dataStreams = withOldIndices.map((stream) => planDataStream(stream, rule, ilm, options, settings));
  const included = dataStreams.filter((stream) => stream.included);
  const standalone =
    options.indices === undefined
      ? undefined
      : await planStandaloneIndices(es, {
          pattern: options.indices,
          readOnly: rule,
          reindexReadOnly: options.reindexReadOnly === true,
        });
  const disk = await planDisk(
    es,
    [
      ...included.flatMap((stream) =>
        stream.old_indices.filter((index) => index.path === 'reindex').map((index) => index.index),
      ),
      ...(standalone?.indices.filter((index) => index.path === 'reindex').map((index) => index.index) ?? []),
    ],
    settings.maxConcurrentIndices * options.maxDataStreams,
  );
  const sum = (pick: (stream: ClusterPlanDataStream) => number) =>
    included.reduce((total, stream) => total + pick(stream), 0);
  return {
    cluster_version: facts.cluster_version,
    pattern: options.pattern,
    generated_at_millis: options.nowMillis,
    throttle: {
      max_requests_per_second: settings.maxRequestsPerSecond,
      max_concurrent_indices_per_data_stream: settings.maxConcurrentIndices,
      max_data_streams: options.maxDataStreams,
    },
    read_only: readOnlyView(rule),
    ilm: ilm.availability.available
      ? { available: true, horizon: formatDurationMs(options.ilmHorizonMs) }
      : {
          available: false,
          reason: ilm.availability.reason,
          horizon: formatDurationMs(options.ilmHorizonMs),
        },
    data_streams: dataStreams,
    data_streams_up_to_date: facts.data_streams.length - withOldIndices.length,
    totals: {
      data_streams: included.length,
      system_data_streams: dataStreams.filter((stream) => stream.system).length,
      old_indices: sum((stream) => stream.old_indices.length),
      indices_to_reindex: sum((stream) => stream.indices_to_reindex),
      indices_to_mark_read_only: sum((stream) => stream.indices_to_mark_read_only),
      already_read_only: sum((stream) => stream.already_read_only),
      documents_to_reindex: sum((stream) => stream.documents_to_reindex),
      bytes_to_reindex: sum((stream) => stream.bytes_to_reindex),
      ilm_deletes_soon: sum((stream) => stream.ilm_deletes_soon.length),
      estimated_copy_millis: estimateClusterMillis(
        included.map((stream) => stream.estimated_copy_millis),
        options.maxDataStreams,
      ),
    },
    disk,
    ...(standalone !== undefined ? { standalone_indices: standalone } : {}),
  };
}

/** A cluster option that makes no sense: the HTTP API answers 400, the CLI a usage error. */
export class InvalidClusterOptionError extends Error {
  override readonly name = 'InvalidClusterOptionError';
}

/** The cluster options as the CLI flags and the HTTP parameters spell them, still unchecked. */
export interface RawClusterOptions {
  pattern?: string;
  includeSystem?: boolean;
  readOnly?: boolean;
  readOnlyOlderThan?: string;
  ilmHorizon?: string;
  maxDataStreams?: string | number;
  window?: string;
  verify?: string;
  indices?: string;
  reindexReadOnly?: boolean;
}

export interface ClusterOptions extends ClusterSelection {
  ilmHorizonMs: number;
  maxDataStreams: number;
  /** Copies run only inside this daily window. */
  window?: MaintenanceWindow;
  /** How each copy is proven; absent: the cluster's default, else `count`. */
  verify?: VerifyMode;
}

/** ILM deletions within a week are "soon" unless the operator says otherwise. */
export const DEFAULT_ILM_HORIZON = '7d';

function duration(name: string, value: string): number {
  try {
    const ms = parseDurationMs(value);
    if (ms < 0) throw new InvalidDurationError(`[${value}] is negative`);
    return ms;
  } catch (err) {
    if (err instanceof InvalidDurationError) throw new InvalidClusterOptionError(`${name}: ${err.message}`);
    throw err;
  }
}

/** The standalone options, checked: `--reindex-read-only` goes against `--read-only…`. */
function standaloneSelection(
  raw: RawClusterOptions,
  names: Record<keyof RawClusterOptions, string>,
  readOnly: ReadOnlyChoice,
): Pick<ClusterSelection, 'indices' | 'reindexReadOnly'> {
  if (raw.indices !== undefined && raw.indices.trim() === '') {
    throw new InvalidClusterOptionError(`${names.indices} must not be empty`);
  }
  if (raw.reindexReadOnly === true && readOnly.kind !== 'none') {
    throw new InvalidClusterOptionError(
      `${names.reindexReadOnly} reindexes indices marked read-only; ${names.readOnly} and ` +
        `${names.readOnlyOlderThan} mark indices read-only: choose one`,
    );
  }
  return {
    ...(raw.indices !== undefined ? { indices: raw.indices } : {}),
    ...(raw.reindexReadOnly === true ? { reindexReadOnly: true } : {}),
  };
}

/** Checks and completes the options of a cluster plan or start, with the defaults filled in. */
export function parseClusterOptions(
  raw: RawClusterOptions,
  names: Record<keyof RawClusterOptions, string>,
): ClusterOptions {
  const pattern = raw.pattern ?? '*';
  if (pattern.trim() === '') throw new InvalidClusterOptionError(`${names.pattern} must not be empty`);
  if (raw.readOnly === true && raw.readOnlyOlderThan !== undefined) {
    throw new InvalidClusterOptionError(
      `${names.readOnly} marks every old index read-only; ${names.readOnlyOlderThan} only the older ones: choose one`,
    );
  }
  const maxDataStreams = Number(raw.maxDataStreams ?? CLUSTER_TUNABLES.DEFAULT_MAX_DATA_STREAMS);
  if (!Number.isInteger(maxDataStreams) || maxDataStreams < 1) {
    throw new InvalidClusterOptionError(
      `${names.maxDataStreams} must be a whole number of at least 1, got [${String(raw.maxDataStreams)}]`,
    );
  }
  const readOnly: ReadOnlyChoice =
    raw.readOnly === true
      ? { kind: 'all' }
      : raw.readOnlyOlderThan !== undefined
        ? { kind: 'older-than', olderThanMs: duration(names.readOnlyOlderThan, raw.readOnlyOlderThan) }
        : { kind: 'none' };
  let window: MaintenanceWindow | undefined;
  try {
    if (raw.window !== undefined) window = parseMaintenanceWindow(raw.window);
  } catch (err) {
    if (err instanceof InvalidWindowError)
      throw new InvalidClusterOptionError(`${names.window}: ${err.message}`);
    throw err;
  }
  const verify = parseVerifyMode(raw.verify);
  if (raw.verify !== undefined && verify === undefined) {
    throw new InvalidClusterOptionError(invalidVerifyModeReason(names.verify, raw.verify));
  }
  return {
    pattern,
    includeSystem: raw.includeSystem ?? false,
    readOnly,
    ...standaloneSelection(raw, names, readOnly),
    ilmHorizonMs: duration(names.ilmHorizon, raw.ilmHorizon ?? DEFAULT_ILM_HORIZON),
    maxDataStreams,
    ...(window !== undefined ? { window } : {}),
    ...(verify !== undefined ? { verify } : {}),
  };
}
