import { main } from '@kd/cli';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from '../../../test/well-formed-xml';

let dir = '';
let run = '';

/** Writes a run folder like the trainer's: config, JSON-lines log, metrics, predictions. */
async function writeRunFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'config.json'), JSON.stringify({ name: 'tiny' }));
  const teacherRecords = [1, 2].map((epoch) => ({
    epoch,
    step: epoch * 10,
    loss: { total: 1 / epoch },
    validation: { accuracy: 0.89 + epoch / 100, nll: 0.3 },
    learningRate: 0.001,
    seconds: 2,
    time: `2026-11-27T20:0${epoch - 1}:00.000Z`,
  }));
  await writeFile(join(path, 'teacher-log.jsonl'), teacherRecords.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const records = [1, 2, 3].map((epoch) => ({
    epoch,
    step: epoch * 10,
    loss: { total: 2 / epoch, soft: 1.5 / epoch, hard: 0.5 / epoch },
    validation: { accuracy: 0.8 + epoch / 100, nll: 0.6 / epoch, errorCount: 21 - epoch },
    learningRate: 0.001,
    lossOptions: { temperature: 4, softWeight: 0.9, hardWeight: 0.1 },
    seconds: 1.5,
    time: `2026-11-27T21:0${epoch - 1}:00.000Z`,
  }));
  await writeFile(join(path, 'student-log.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  // A run killed mid-append leaves a torn last line, which the report skips with a warning.
  await appendFile(join(path, 'student-log.jsonl'), '{"epoch": 4, "lo');
  await writeFile(
    join(path, 'results.json'),
    JSON.stringify({
      name: 'tiny <mlp>',
      output: path,
      teacher: { test: { accuracy: 0.9, nll: 0.3 }, fit: null },
      student: { test: { accuracy: 0.81, nll: 0.25 }, fit: {} },
      baseline: null,
    }),
  );
  const logits = [
    [3, 0, -1],
    [0, 2, 1],
    [1, 0.5, 0.4],
    [-1, 0, 4],
  ];
  await writeFile(
    join(path, 'predictions.json'),
    JSON.stringify({
      split: 'validation',
      labels: [0, 1, 1, 2],
      logits,
      teacherLogits: logits.map((row) => row.map((z) => 2 * z)),
      classNames: ['zero', 'one', 'two & more'],
    }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-report-test-'));
  run = join(dir, 'run-1');
  await writeRunFolder(run);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function kd(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: {} });
  return { code, stdout, stderr };
}

describe('kd report', () => {
  it('writes one self-contained HTML file with every plot', async () => {
    const { code, stdout, stderr } = await kd(['report', 'run-1']);
    expect(stderr).toBe(
      `kd report: warning: student training log ${join(run, 'student-log.jsonl')} line 4 is cut short (a run killed while writing it?): skipped; resuming the run rewrites it\n`,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(`${join(run, 'report.html')}\n`);
    const html = await readFile(join(run, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|\bsrc=|@import/i);
    wellFormedElements(html.slice(html.indexOf('<body>'), html.indexOf('</html>')));
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(html).toContain('class="line-chart"');
    expect(html).toContain('class="reliability-diagram"');
    expect(html).toContain('class="confusion-matrix"');
    expect(html).toContain('class="soft-targets"');
    // Soft and hard loss are separate curves, with the validation nll.
    for (const name of ['train total', 'train soft', 'train hard', 'validation nll']) {
      expect(html).toContain(`data-series="${name}"`);
    }
    expect(countMarks(html, 'rect', 'cell')).toBe(9);
    // Five default temperatures times three classes.
    expect(countMarks(html.slice(html.indexOf('class="soft-targets"')), 'rect', 'bar')).toBe(15);
    expect(html).toContain('two &amp; more');
    expect(html).toContain('<title>kd report: tiny &lt;mlp&gt;</title>');
    expect(html).toMatch(/<th>student validation<\/th>\s*<th>teacher test<\/th>\s*<th>student test<\/th>/);
    expect(html).toContain(
      '<tr><th>accuracy</th><td class="number">0.83</td><td class="number">0.9</td><td class="number">0.81</td></tr>',
    );
    expect(html).toContain('<tr><th>student epochs</th><td>3</td></tr>');
    expect(html).toContain('<tr><th>loss temperature (last epoch)</th><td>4</td></tr>');
    // Validation accuracy of both trained models.
    expect(html).toContain('data-series="teacher"');
    expect(html).toContain('data-series="student"');
  });

  it('takes the temperatures, the example and the output file', async () => {
    const out = join(dir, 'custom.html');
    const { code } = await kd(['report', run, '--temperatures', '1,20', '--example', '4', '--out', out]);
    expect(code).toBe(0);
    const html = await readFile(out, 'utf8');
    const soft = html.slice(html.indexOf('class="soft-targets"'));
    expect(countMarks(soft, 'rect', 'bar')).toBe(6);
    expect(soft).toContain('validation example 4</title>');
  });

  it('fails in one line on an example past the saved ones, or a folder without a log', async () => {
    expect((await kd(['report', run, '--example', '5'])).stderr).toMatch(
      new RegExp(`\\nkd: --example 5 is past the 4 examples saved in ${run}\\n$`),
    );
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'empty', 'config.json'), '{}');
    const { code, stderr } = await kd(['report', 'empty']);
    expect(code).toBe(1);
    expect(stderr).toBe(`kd: cannot read student training log ${join(dir, 'empty', 'student-log.jsonl')}: no such file\n`);
  });
});
