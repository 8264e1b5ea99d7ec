import { writeFileAtomic } from '@kd/core/node';
import { join } from 'node:path';
import { formatMetric, rankResults, resultsTable, toCsv, toMarkdown } from './results-table';
import type { Selection } from './results-table';
import type { CellResult } from './sweep';

/**
 * Writes a sweep's ranked table as `results.md` and `results.csv` in `dir` (each atomically, so
 * two processes that finish the last cells together write the same files whole) and returns the
 * Markdown, followed by the line that names the best cell.
 */
export async function writeSweepTables(dir: string, results: readonly CellResult[], selection: Selection): Promise<string> {
  const markdown = toMarkdown(resultsTable(results, selection));
  await writeFileAtomic(join(dir, 'results.md'), markdown);
  await writeFileAtomic(join(dir, 'results.csv'), toCsv(resultsTable(results, selection, { precise: true })));
  const best = rankResults(results, selection)[0]!;
  const { metric } = selection;
  return `${markdown}\nbest on validation ${metric}: ${best.id} (${metric} ${formatMetric(best.validation[metric]!)}); table in ${join(dir, 'results.md')} and results.csv\n`;
}
