/** A plain text table: a header row, a rule, then the rows; columns flagged in `right` are right-aligned. */
export function formatTable(header: string[], rows: string[][], right: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 0.9876 -> "98.8%". */
export const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** 61706 -> "61,706". */
export const count = (n: number): string => n.toLocaleString('en-US');
