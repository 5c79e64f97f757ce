/**
 * A body as Elasticsearch writes it: compact, or with `?pretty` as its Jackson pretty printer does
 * (two spaces a level, `" : "` between a key and its value, arrays one element a line, `{ }` and `[ ]`
 * when empty, and a final line feed).
 */
export function jsonText(body: unknown, pretty: boolean): string {
  return pretty ? `${prettyValue(body, '')}\n` : JSON.stringify(body);
}

function prettyValue(value: unknown, indent: string): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    const items = value.map((item: unknown) => `${inner}${prettyValue(item ?? null, inner)}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, child]) => child !== undefined);
    if (entries.length === 0) return '{ }';
    const fields = entries.map(
      ([key, child]) => `${inner}${JSON.stringify(key)} : ${prettyValue(child, inner)}`,
    );
    return `{\n${fields.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
