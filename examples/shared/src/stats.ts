/** Mean of a non-empty list. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation; 0 for fewer than two values. */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}

/**
 * The share of the hard-label student's excess error over the teacher that distillation removes:
 * `(errHard - errDistilled) / (errHard - errTeacher)`. 1 means the student matches the teacher;
 * null when the teacher is not better than the hard-label student (no gap to close).
 */
export function gapClosed(errHard: number, errDistilled: number, errTeacher: number): number | null {
  const gap = errHard - errTeacher;
  return gap > 0 ? (errHard - errDistilled) / gap : null;
}

/** `mean ± std (n)` with `digits` decimals. */
export function formatMeanStd(values: readonly number[], digits = 1): string {
  if (values.length === 0) return 'n/a';
  return values.length === 1 ? values[0]!.toFixed(digits) : `${mean(values).toFixed(digits)} ± ${std(values).toFixed(digits)}`;
}

/** Shares as whole percentages, comma-separated, `n/a` for a null (a share with nothing to share). */
export function formatShares(shares: ReadonlyArray<number | null>): string {
  return shares.map((v) => (v === null ? 'n/a' : `${(100 * v).toFixed(0)} %`)).join(', ');
}

/** Fractions as percentages, `mean ± std %`. */
export function formatPercent(fractions: readonly number[], digits = 1): string {
  return `${formatMeanStd(fractions.map((f) => 100 * f), digits)} %`;
}
