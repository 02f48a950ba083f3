/** Plain-text rendering for the operator CLI: aligned tables and key/value blocks. */

const cell = (value: unknown): string =>
  value === undefined || value === null ? '-' : String(value).replace(/[\r\n\t]+/g, ' ');

/** The value at `key` in `row`; a dotted key reads nested objects (`reconciliation.finding`). */
export const valueAt = (row: Readonly<Record<string, unknown>>, key: string): unknown =>
  key
    .split('.')
    .reduce<unknown>(
      (value, part) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[part]
          : undefined,
      row,
    );

/** An aligned table with a header row; columns as wide as their widest cell (capped). */
export const table = (
  columns: readonly (readonly [header: string, key: string])[],
  rows: readonly Readonly<Record<string, unknown>>[],
  maxWidth = 80,
): string => {
  const cells = rows.map((row) =>
    columns.map(([, key]) => {
      const text = cell(valueAt(row, key));
      return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
    }),
  );
  const widths = columns.map(([header], index) =>
    Math.max(header.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([header]) => header)), ...cells.map(line)].join('\n');
};

/** `key: value` lines, keys aligned. */
export const fields = (entries: readonly (readonly [string, unknown])[]): string => {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${cell(value)}`).join('\n');
};
