/**
 * Which source settings the destination gets. Private and internal settings are Elasticsearch's to
 * set (docs/ELASTICSEARCH-BEHAVIOUR.md, section 4, step 6); blocks would stop the copy; the lifecycle policy is put back only after the
 * swap so that ILM does not act on a half-copied index.
 */
const EXCLUDED_EXACT = new Set([
  'index.uuid',
  'index.creation_date',
  'index.provided_name',
  'index.verified_read_only',
  'index.verified_before_close',
  'index.history.uuid',
  'index.soft_deletes.enabled',
  'index.lifecycle.name',
]);

const EXCLUDED_PREFIXES = [
  'index.version.',
  'index.resize.',
  'index.routing.allocation.initial_recovery.',
  'index.translog.retention.',
  'index.blocks.',
];

function isCopiedSetting(name: string): boolean {
  return !EXCLUDED_EXACT.has(name) && !EXCLUDED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The destination's settings for the copy: the source's, minus the excluded ones, tuned for bulk load. */
export function destinationSettingsForCopy(
  sourceFlatSettings: Record<string, unknown>,
): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sourceFlatSettings)) {
    if (isCopiedSetting(name)) settings[name] = value;
  }
  // No replicas to keep in step and no refreshes while loading; both are restored before the swap.
  settings['index.number_of_replicas'] = '0';
  settings['index.refresh_interval'] = '-1';
  return settings;
}
