import type { CaseResult } from './results.js';
import { LIBRARIES } from './section.js';

function formatValue(value: number | undefined, unit: CaseResult['unit']): string {
  if (value === undefined) return '-';
  if (unit === 'bytes/series') return `${value.toFixed(0)} B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
  if (value >= 10) return `${value.toFixed(1)} ns`;
  return `${value.toFixed(2)} ns`;
}

function formatRatio(row: CaseResult): string {
  if (row.ratio === undefined) return '-';
  const ratio = `${row.ratio >= 10 ? row.ratio.toFixed(0) : row.ratio.toFixed(1)}x`;
  return row.anchor === undefined
    ? ratio
    : `${ratio} vs ${row.anchor === 'prom-client' ? 'prom-client' : 'pio'}`;
}

function formatTarget(row: CaseResult): string {
  if (row.target === undefined) return '';
  return `>= ${row.target}x ${row.met ? 'met' : 'MISSED'}`;
}

/**
 * The section's table as text: one row per case, a column per library (ns per operation, or per series), the
 * ratio (the faster anchor's value over pytheus' value; `pio` is @prometheus-io/client), and the target.
 */
export function renderTable(title: string, rows: readonly CaseResult[]): string {
  const header = ['case', 'unit', ...LIBRARIES, 'ratio', 'target'];
  const body = rows.map((row) => [
    row.name,
    row.unit === 'ns/op' ? 'per op' : row.unit === 'ns/series' ? 'per series' : 'heap/series',
    ...LIBRARIES.map((library) => formatValue(row.values[library], row.unit)),
    formatRatio(row),
    formatTarget(row),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [title, line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join(
    '\n',
  );
}
