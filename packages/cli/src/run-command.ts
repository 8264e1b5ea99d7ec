import { readJsonFile } from '@kd/core/node';
import type { EpochRecord } from '@kd/trainer';
import { dirname, resolve } from 'node:path';
import { backendFlag, chooseBackend } from './backend-choice';
import { validateExperimentConfig } from './experiment-config';
import type { ExperimentConfig } from './experiment-config';
import { runExperiment } from './run-experiment';
import type { ExperimentResult } from './run-experiment';
import type { Command } from './main';
import { parsePositiveInteger } from './option-values';

export const runCommand: Command = {
  spec: {
    name: 'run',
    summary: 'run one experiment config and write its run folder',
    description: [
      'Runs an experiment config (its JSON schema: experiment.schema.json): checks the config, the',
      'data and any saved teacher before anything trains, then trains or loads the teacher, distils',
      'the student, and writes the run folder: config.json, one JSON-lines log per model (soft and',
      "hard loss apart), checkpoints, the final models, results.json (test metrics) and",
      "predictions.json (for 'kd report'). Progress bars are drawn on a terminal. Ctrl-C stops after",
      'the current step; --resume continues from the checkpoints, only the same experiment. A run',
      'folder has one writer at a time.',
    ].join('\n'),
    positionals: [{ name: 'experiment.json', description: 'the experiment config' }],
    options: {
      out: { type: 'string', value: 'dir', description: "the run folder (default: the config's output)" },
      resume: { type: 'boolean', description: 'continue an interrupted run from its checkpoints' },
      threads: { type: 'string', value: 'n', description: 'threads of the native kernels or of WebAssembly (default: every core)' },
      'base-dir': {
        type: 'string',
        value: 'dir',
        description: "folder the config's relative paths start from (default: the config's folder)",
      },
    },
    examples: ['kd run mnist.json', 'KD_BACKEND=cpu kd run mnist.json --out runs/mnist-cpu', 'kd run mnist.json --resume'],
  },
  async run(args, ctx) {
    const { values } = args;
    const configPath = resolve(ctx.cwd, args.positionals[0]!);
    const baseDir = typeof values['base-dir'] === 'string' ? resolve(ctx.cwd, values['base-dir']) : dirname(configPath);
    const threads = typeof values.threads === 'string' ? parsePositiveInteger('threads', values.threads, 'run') : undefined;
    const backend = backendFlag(values, 'run');
    const raw = await readJsonFile(configPath, 'experiment config');
    const config = (
      typeof values.out === 'string' && raw !== null && typeof raw === 'object'
        ? { ...raw, output: resolve(ctx.cwd, values.out) }
        : raw
    ) as ExperimentConfig;
    const problems = validateExperimentConfig(config);
    if (problems.length > 0) {
      throw new Error(`${configPath} has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
    }
    await chooseBackend(backend, ctx, threads);
    ctx.stderr(`kd run: ${config.name ?? configPath} into ${resolve(baseDir, config.output)}\n`);

    const interrupt = ctx.trapInterrupt();
    let result: ExperimentResult;
    try {
      result = await runExperiment(config, {
        baseDir,
        resume: values.resume === true,
        signal: interrupt.signal,
        progress: { isTTY: ctx.stderrIsTTY, columns: ctx.columns, write: (text: string) => ctx.stderr(text) },
        // Off a terminal there is no progress bar: one line per epoch says the run is alive.
        ...(ctx.stderrIsTTY ? {} : { onEpochEnd: (model: string, record: EpochRecord) => ctx.stderr(`${epochLine(model, record)}\n`) }),
      });
    } catch (error) {
      if (!interrupt.signal.aborted) throw error;
      ctx.stderr(`kd: stopped; continue with: kd run ${args.positionals[0]} --resume${typeof values.out === 'string' ? ` --out ${values.out}` : ''}\n`);
      return 130;
    } finally {
      interrupt.release();
    }
    ctx.stdout(`${summarize(result)}\nrun folder: ${result.output}\nreport: kd report ${result.output}\n`);
    return 0;
  },
};

/** `test accuracy: teacher 0.981, student 0.975, baseline 0.962` and the same for errors. */
function summarize(result: ExperimentResult): string {
  const models = (['teacher', 'student', 'baseline'] as const).flatMap((role) => {
    const test = result[role]?.test;
    return test ? [[role, test] as const] : [];
  });
  return ['accuracy', 'errorCount']
    .map((metric) => {
      const values = models.filter(([, test]) => test[metric] !== undefined);
      return `test ${metric}: ${values.map(([role, test]) => `${role} ${Number(test[metric]!.toPrecision(4))}`).join(', ')}`;
    })
    .join('\n');
}

const formatValues = (entries: Record<string, number>): string =>
  Object.entries(entries)
    .map(([name, value]) => `${name} ${Number(value.toPrecision(3))}`)
    .join(' ');

/** `student epoch 3: loss total 0.412 soft 0.388 hard 0.236 | validation accuracy 0.951 (4.2 s)` */
export function epochLine(model: string, record: EpochRecord): string {
  const validation = record.validation ? ` | validation ${formatValues(record.validation)}` : '';
  return `${model} epoch ${record.epoch}: loss ${formatValues(record.loss)}${validation} (${record.seconds.toFixed(1)} s)`;
}
