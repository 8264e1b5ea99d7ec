import { rankResults, resultsTable, toCsv, toMarkdown } from '@kd/cli';
import type { CellResult } from '@kd/cli';
import { describe, expect, it } from 'vitest';

const result = (t: number, validation: number, test: number, nll = 0.1): CellResult => ({
  id: `temperature-${t}`,
  params: { temperature: t },
  seconds: 1,
  validation: { accuracy: validation, nll },
  test: { accuracy: test },
});

describe('rankResults', () => {
  it('chooses on the validation metric, never on the test metric', () => {
    // T = 20 is best on test, T = 4 on validation: validation must win.
    const results = [result(1, 0.9, 0.9), result(4, 0.95, 0.91), result(20, 0.93, 0.99)];
    expect(rankResults(results, { metric: 'accuracy', higherIsBetter: true }).map((r) => r.id)).toEqual([
      'temperature-4',
      'temperature-20',
      'temperature-1',
    ]);
  });

  it('ranks smaller first when lower is better, and keeps grid order on ties', () => {
    const results = [result(1, 0.9, 0.9, 0.3), result(4, 0.9, 0.9, 0.2), result(20, 0.9, 0.9, 0.2)];
    expect(rankResults(results, { metric: 'nll', higherIsBetter: false }).map((r) => r.id)).toEqual([
      'temperature-4',
      'temperature-20',
      'temperature-1',
    ]);
    expect(rankResults(results, { metric: 'accuracy', higherIsBetter: true }).map((r) => r.id)).toEqual([
      'temperature-1',
      'temperature-4',
      'temperature-20',
    ]);
  });

  it('refuses a metric that only the test set has', () => {
    const results = [{ ...result(1, 0.9, 0.9), test: { accuracy: 0.9, ece: 0.1 } }];
    expect(() => rankResults(results, { metric: 'ece', higherIsBetter: false })).toThrow(
      /cannot choose on validation metric 'ece': cell temperature-1 has accuracy, nll/,
    );
  });
});

describe('resultsTable', () => {
  const results = [result(1, 0.9, 0.9), result(4, 0.95123456, 0.91)];
  const selection = { metric: 'accuracy', higherIsBetter: true };

  it('marks the winner, and shows parameters, validation then test metrics', () => {
    expect(resultsTable(results, selection)).toEqual({
      columns: ['best', 'temperature', 'val accuracy', 'val nll', 'test accuracy'],
      rows: [
        ['*', '4', '0.9512', '0.1', '0.91'],
        ['', '1', '0.9', '0.1', '0.9'],
      ],
    });
    expect(resultsTable(results, selection, { precise: true }).rows[0]![2]).toBe('0.95123456');
  });

  it('writes Markdown and CSV', () => {
    const table = { columns: ['a', 'b|c'], rows: [['1', 'x,"y"']] };
    expect(toMarkdown(table)).toBe('| a | b\\|c |\n| --- | --- |\n| 1 | x,"y" |\n');
    expect(toCsv(table)).toBe('a,b|c\r\n1,"x,""y"""\r\n');
  });
});
