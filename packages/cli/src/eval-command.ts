import { readJsonFile } from '@kd/core/node';
import { evaluate, metricNames } from '@kd/trainer';
import type { MetricName } from '@kd/trainer';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { backendFlag, chooseBackend } from './backend-choice';
import type { DataConfig } from './experiment-config';
import { loadExperimentData } from './experiment-data';
import { UsageError } from './cli-error';
import type { Command } from './main';
import { loadModelFolder } from './model-folder';

const defaultMetrics = ['accuracy', 'errorCount', 'nll', 'ece', 'brier'];

export const evalCommand: Command = {
  spec: {
    name: 'eval',
    summary: 'measure a saved model on a test set',
    description: [
      'Loads a TensorFlow.js layers model saved by kd (a folder with model.json and weights.bin,',
      "e.g. <run-folder>/student) and prints its metrics on a test set at T = 1. --data names the",
      'test set: an experiment config (its data section, seed included, so the same examples as the',
      "run's results.json), 'mnist-digits' (the 2,000 test digits of the default split) or a folder",
      'of MNIST-format IDX files (its t10k files).',
    ].join('\n'),
    positionals: [{ name: 'model', description: 'a model folder (model.json + weights.bin)' }],
    options: {
      data: { type: 'string', value: 'source', description: "experiment.json, 'mnist-digits' or an IDX folder (required)" },
      metrics: { type: 'string', value: 'list', description: `metrics to compute (default: ${defaultMetrics.join(',')})` },
      json: { type: 'boolean', description: 'print the metrics as one JSON object' },
    },
    examples: [
      'kd eval runs/mnist/student --data mnist.json',
      'kd eval runs/fashion/student --data /usr/share/datasets/fashion-mnist --metrics accuracy,ece --json',
    ],
  },
  async run(args, ctx) {
    const { values } = args;
    if (typeof values.data !== 'string') {
      throw new UsageError("'kd eval' needs --data (an experiment config, 'mnist-digits' or an IDX folder)", 'eval');
    }
    const backend = backendFlag(values, 'eval');
    const metrics = typeof values.metrics === 'string' ? values.metrics.split(',').map((m) => m.trim()) : defaultMetrics;
    const allowed = metricNames.filter((name) => name !== 'agreement');
    const unknown = metrics.find((name) => !(allowed as readonly string[]).includes(name));
    if (unknown !== undefined) {
      throw new UsageError(`option '--metrics' takes names from ${allowed.join(', ')}, got '${unknown}'`, 'eval');
    }
    const modelDir = resolve(ctx.cwd, args.positionals[0]!);
    const { data, baseDir, seed } = await dataSource(values.data, ctx.cwd);
    await chooseBackend(backend, ctx);
    const model = await loadModelFolder(modelDir, 'kd eval <model>');
    try {
      const { test } = await loadExperimentData(data, { baseDir, seed });
      const result = evaluate(model, test, { metrics: metrics as MetricName[] });
      if (values.json) {
        ctx.stdout(`${JSON.stringify(result)}\n`);
      } else {
        const width = Math.max(...Object.keys(result).map((name) => name.length));
        ctx.stdout(`${test.size} test examples from ${values.data}\n`);
        for (const [name, value] of Object.entries(result)) ctx.stdout(`${name.padEnd(width)}  ${Number(value.toPrecision(6))}\n`);
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};

async function dataSource(spec: string, cwd: string): Promise<{ data: DataConfig; baseDir: string; seed: number }> {
  if (spec === 'mnist-digits') return { data: { source: 'mnist-digits' }, baseDir: cwd, seed: 0 };
  const path = resolve(cwd, spec);
  if (/\.json$/i.test(spec)) {
    const config = (await readJsonFile(path, 'experiment config')) as { data?: DataConfig; seed?: number };
    if (config?.data?.source !== 'mnist-digits' && config?.data?.source !== 'idx') {
      throw new Error(`experiment config ${path} has no data section with source 'mnist-digits' or 'idx'`);
    }
    return { data: config.data, baseDir: dirname(path), seed: config.seed ?? 0 };
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(
      `option '--data' must be an experiment .json, 'mnist-digits' or a folder of IDX files, got '${spec}'`,
      'eval',
    );
  }
  return { data: { source: 'idx', dir: path }, baseDir: cwd, seed: 0 };
}
