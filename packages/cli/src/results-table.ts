import type { CellResult } from './sweep';

/** How a sweep's winner is chosen: one validation metric and its direction. */
export interface Selection {
  /** A key of every cell's `validation` metrics, e.g. `accuracy`. */
  metric: string;
  /** Whether larger values win (accuracy) or smaller ones (errorCount, nll). */
  higherIsBetter: boolean;
}

/** A rendered table: a header row and rows of cells, all strings. */
export interface Table {
  columns: string[];
  rows: string[][];
}

/**
 * Sorts results best first by `selection.metric` among the **validation** metrics only: test
 * metrics never take part, so the winner is not chosen on the test set. Ties keep grid order.
 */
export function rankResults(results: readonly CellResult[], selection: Selection): CellResult[] {
  const missing = results.find((result) => !Number.isFinite(result.validation[selection.metric]));
  if (missing) {
    const have = Object.keys(missing.validation);
    throw new Error(
      `cannot choose on validation metric '${selection.metric}': cell ${missing.id} has ${have.length ? have.join(', ') : 'no validation metrics'}`,
    );
  }
  const sign = selection.higherIsBetter ? -1 : 1;
  return results
    .map((result, order) => ({ result, order }))
    .toSorted(
      (a, b) =>
        sign * (a.result.validation[selection.metric]! - b.result.validation[selection.metric]!) || a.order - b.order,
    )
    .map(({ result }) => result);
}

/**
 * The results table, best first: a `best` mark, each parameter, then every validation metric and
 * every test metric found in any cell (`val accuracy`, `test accuracy`). Numbers are written in
 * full precision (`precise`, for CSV) or to 4 significant digits (for Markdown).
 */
export function resultsTable(
  results: readonly CellResult[],
  selection: Selection,
  { precise = false }: { precise?: boolean } = {},
): Table {
  const ranked = rankResults(results, selection);
  const params = unionOfKeys(ranked.map((result) => result.params));
  const validation = unionOfKeys(ranked.map((result) => result.validation));
  const test = unionOfKeys(ranked.map((result) => result.test ?? {}));
  const show = (value: number | undefined): string =>
    value === undefined ? '' : precise ? String(value) : formatMetric(value);
  return {
    columns: ['best', ...params, ...validation.map((m) => `val ${m}`), ...test.map((m) => `test ${m}`)],
    rows: ranked.map((result, rank) => [
      rank === 0 ? '*' : '',
      ...params.map((p) => show(result.params[p])),
      ...validation.map((m) => show(result.validation[m])),
      ...test.map((m) => show(result.test?.[m])),
    ]),
  };
}

/** A GitHub-flavoured Markdown table; `|` inside cells is escaped. */
export function toMarkdown(table: Table): string {
  return [markdownRow(table.columns), markdownRow(table.columns.map(() => '---')), ...table.rows.map(markdownRow)].join('\n') + '\n';
}

/** RFC 4180 CSV: fields holding commas, quotes or line breaks are quoted, quotes doubled. */
export function toCsv(table: Table): string {
  return [table.columns, ...table.rows].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function markdownRow(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

function csvField(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function unionOfKeys(records: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  return [...new Set(records.flatMap((record) => Object.keys(record)))];
}

/** A metric as people read it: integers whole, other values to 4 significant digits. */
export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
