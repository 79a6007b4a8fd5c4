/** Number formatting shared by the terminal table and the Markdown report. */

/** Three significant digits, thousands separated: 1,234 · 42.1 · 0.0412. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  const digits = Math.max(0, 2 - Math.floor(Math.log10(abs)));
  return v.toFixed(Math.min(digits, 6));
}

export function fmtTime(ms: number): string {
  if (ms < 1) return `${fmtNumber(ms * 1000)} µs`;
  if (ms < 1000) return `${fmtNumber(ms)} ms`;
  return `${fmtNumber(ms / 1000)} s`;
}

export function fmtRatio(r: number): string {
  return `${r >= 10 ? Math.round(r).toLocaleString('en-US') : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}x`;
}

/** Pads cells into aligned columns (numbers right-aligned where `right[i]`). */
export function columns(rows: string[][], right: boolean[] = []): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
