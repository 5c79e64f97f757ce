/**
 * Elasticsearch's `filter_path` response filtering: comma-separated dotted paths, where `*` matches any
 * one key (or part of a key) and `**` any number of keys; arrays are looked through. Keys that match
 * nothing are dropped, and objects left empty disappear, as in Elasticsearch (`{}` if nothing is left).
 */
type Pattern = string[];

function segmentMatches(pattern: string, key: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === key;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(key);
}

function filterValue(value: unknown, patterns: Pattern[]): unknown {
  if (patterns.some((pattern) => pattern.length === 0)) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => filterValue(item, patterns)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const remaining: Pattern[] = [];
    for (const pattern of patterns) {
      const [head, ...rest] = pattern;
      if (head === '**') {
        remaining.push(pattern, rest);
        if (rest.length > 0 && segmentMatches(rest[0], key)) remaining.push(rest.slice(1));
      } else if (head !== undefined && segmentMatches(head, key)) {
        remaining.push(rest);
      }
    }
    if (remaining.length === 0) continue;
    const filtered = filterValue(child, remaining);
    if (filtered !== undefined) result[key] = filtered;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

export function applyFilterPath(body: unknown, filterPath: string | null): unknown {
  if (filterPath === null || filterPath.trim() === '') return body;
  const patterns = filterPath
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path.length > 0)
    .map((path) => path.split('.'));
  return filterValue(body, patterns) ?? {};
}
