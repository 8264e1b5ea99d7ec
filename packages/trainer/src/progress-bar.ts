/** Where a {@link ProgressBar} draws: `process.stderr` by default. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Steps in the whole bar (one epoch). */
  total: number;
  /** Text before the bar, e.g. `epoch 3/10`. Default ''. */
  label?: string;
  /** Default `process.stderr`. The bar draws only when `stream.isTTY` is true. */
  stream?: ProgressStream;
  /** Milliseconds between redraws; the last step always draws. Default 100. */
  intervalMs?: number;
  /** Clock in milliseconds; default `performance.now`. */
  now?: () => number;
}

/** A one-line terminal progress bar. */
export interface ProgressBar {
  /** Marks `step` (1-based) of `total` done and shows `values` (loss, metric) beside the bar. */
  update(step: number, values?: Record<string, number>): void;
  /** Ends the line. */
  done(): void;
}

/**
 * A progress bar with steps/s, ETA and the latest values, redrawn in place with `\r`. It stays
 * silent when the stream is not a terminal (CI logs, pipes, files), where the JSON-lines log is
 * the record.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const total = options.total;
  if (!Number.isInteger(total) || total < 1) {
    throw new Error(`Argument 'total' passed to 'createProgressBar' must be an integer >= 1, got ${String(total)}`);
  }
  if (!stream.isTTY) return { update() {}, done() {} };
  const start = now();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(step, values = {}) {
      const t = now();
      if (step < total && t - lastDraw < interval) return;
      lastDraw = t;
      drawn = true;
      stream.write(`\r${formatProgress({ step, total, elapsedMs: t - start, values, label: options.label ?? '', columns: stream.columns ?? 80 })}`);
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/** The text of one progress line, cut to `columns`. Exposed for the bar's own tests. */
export function formatProgress(p: {
  step: number;
  total: number;
  elapsedMs: number;
  values: Record<string, number>;
  label: string;
  columns: number;
}): string {
  const rate = p.elapsedMs > 0 ? (p.step * 1000) / p.elapsedMs : 0;
  const eta = rate > 0 ? (p.total - p.step) / rate : Number.NaN;
  const width = 20;
  const filled = Math.round((width * p.step) / p.total);
  const bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
  const values = Object.entries(p.values)
    .map(([key, value]) => `${key} ${formatNumber(value)}`)
    .join(' ');
  const line = [p.label, bar, `${p.step}/${p.total}`, `${rate.toFixed(1)} steps/s`, `ETA ${formatSeconds(eta)}`, values]
    .filter((part) => part.length > 0)
    .join(' ');
  return line.length > p.columns - 1 ? line.slice(0, p.columns - 1) : line.padEnd(p.columns - 1);
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? String(value) : value.toFixed(4);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
