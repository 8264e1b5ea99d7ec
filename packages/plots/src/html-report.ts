import { escapeXml, formatValue } from './svg';

/** One plot of a report: an SVG string from one of the plot functions, with a heading. */
export interface ReportFigure {
  heading: string;
  svg: string;
  caption?: string;
}

/** Everything a report shows. Text is escaped when rendered; `svg` is inserted as it is. */
export interface ReportData {
  title: string;
  subtitle?: string;
  /** Name/value pairs shown as a table (what was trained, how, where). */
  facts?: ReadonlyArray<readonly [string, string]>;
  /** Final metrics by split, e.g. `{ validation: { accuracy: 0.97 }, test: { accuracy: 0.96 } }`. */
  metrics?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  figures: readonly ReportFigure[];
}

const style = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}
.subtitle{color:#666;margin-top:0}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
td.number{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}
.figures{display:flex;flex-wrap:wrap;gap:1.5rem}
figure{margin:0;border:1px solid #eee;padding:.5rem;background:#fff}
figcaption{color:#555;font-size:.9rem;max-width:640px}
svg{display:block;max-width:100%;height:auto}
@media print{figure{break-inside:avoid}}
`;

/**
 * One self-contained HTML page: inline CSS, inline SVG, no scripts and no links to anything
 * outside the file, so it opens offline and can be mailed or archived as it is.
 */
export function renderReportHtml(data: ReportData): string {
  const parts = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(data.title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(data.title)}</h1>`,
  ];
  if (data.subtitle) parts.push(`<p class="subtitle">${escapeXml(data.subtitle)}</p>`);
  if (data.facts?.length) {
    parts.push(
      '<table class="facts"><tbody>',
      ...data.facts.map(([name, value]) => `<tr><th>${escapeXml(name)}</th><td>${escapeXml(value)}</td></tr>`),
      '</tbody></table>',
    );
  }
  const splits = Object.keys(data.metrics ?? {});
  if (splits.length > 0) {
    const metrics = data.metrics!;
    const names = [...new Set(splits.flatMap((split) => Object.keys(metrics[split]!)))];
    parts.push(
      '<h2>Metrics</h2><table class="metrics"><thead><tr><th>metric</th>',
      ...splits.map((split) => `<th>${escapeXml(split)}</th>`),
      '</tr></thead><tbody>',
      ...names.map(
        (name) =>
          `<tr><th>${escapeXml(name)}</th>${splits
            .map((split) => {
              const value = metrics[split]![name];
              return `<td class="number">${value === undefined ? '' : escapeXml(formatValue(value))}</td>`;
            })
            .join('')}</tr>`,
      ),
      '</tbody></table>',
    );
  }
  if (data.figures.length > 0) {
    parts.push('<div class="figures">');
    for (const figure of data.figures) {
      parts.push(
        '<figure>',
        `<h2>${escapeXml(figure.heading)}</h2>`,
        figure.svg,
        figure.caption ? `<figcaption>${escapeXml(figure.caption)}</figcaption>` : '',
        '</figure>',
      );
    }
    parts.push('</div>');
  }
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}
