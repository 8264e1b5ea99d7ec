import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderReportHtml } from '@kd/plots';
import type { Command } from './main';
import { parseNumberList, parsePositiveInteger } from './option-values';
import { readRunFolder } from './run-folder';
import { buildRunReport } from './run-report';

export const reportCommand: Command = {
  spec: {
    name: 'report',
    summary: 'write a self-contained HTML report of a run folder',
    description: [
      'Writes one HTML file with inline SVG plots and no outside links: the final metrics,',
      'learning curves (soft and hard loss separately), a reliability diagram, a confusion matrix',
      "and one example's soft targets at several temperatures (the last three when the run saved",
      'predictions).',
    ].join('\n'),
    positionals: [{ name: 'run-folder', description: "a folder written by 'kd run'" }],
    options: {
      out: { type: 'string', value: 'file', description: 'where to write the report (default: <run-folder>/report.html)' },
      temperatures: {
        type: 'string',
        value: 'list',
        description: 'temperatures of the soft-targets plot (default: 1,2,4,8,20)',
      },
      example: { type: 'string', value: 'n', description: 'which saved example the soft-targets plot shows, from 1 (default: 1)' },
    },
    examples: ['kd report runs/mnist-t20', 'kd report runs/mnist-t20 --temperatures 1,4,20 --out /tmp/report.html'],
  },
  async run(args, ctx) {
    const dir = resolve(ctx.cwd, args.positionals[0]!);
    const { values } = args;
    const temperatures =
      typeof values.temperatures === 'string'
        ? parseNumberList('temperatures', values.temperatures, { min: 0, exclusiveMin: true }, 'report')
        : undefined;
    const example = typeof values.example === 'string' ? parsePositiveInteger('example', values.example, 'report') - 1 : 0;
    const out = typeof values.out === 'string' ? resolve(ctx.cwd, values.out) : join(dir, 'report.html');
    const run = await readRunFolder(dir);
    for (const warning of run.warnings) ctx.stderr(`kd report: warning: ${warning}\n`);
    if (run.predictions && example >= run.predictions.labels.length) {
      throw new Error(`--example ${example + 1} is past the ${run.predictions.labels.length} examples saved in ${dir}`);
    }
    const html = renderReportHtml(buildRunReport(run, { ...(temperatures ? { temperatures } : {}), example }));
    await writeFile(out, html);
    ctx.stdout(`${out}\n`);
    return 0;
  },
};
