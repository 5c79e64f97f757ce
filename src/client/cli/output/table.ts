/** A plain-text table: columns sized to their widest cell, numbers right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  // A column of numbers (or '-' for unknown) is right-aligned.
  const numeric = headers.map(
    (_, column) =>
      rows.some((row) => /\d/.test(row[column] ?? '')) &&
      rows.every((row) => /^(-|[\d,.]+%?)$/.test(row[column] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
