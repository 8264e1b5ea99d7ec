import { fileSystem, writeFileAtomic } from '@kd/core/node';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { predictLogits } from '@kd/trainer';
import { join, resolve } from 'node:path';
import type { ExperimentConfig } from './experiment-config';
import { loadExperimentData } from './experiment-data';
import type { RunPredictions } from './run-folder';
import { runFiles } from './run-folder';

/**
 * Writes `predictions.json` into a finished run folder: the final student's logits on the test
 * set, and logits for the teacher's soft targets, so `kd report` can draw the reliability
 * diagram, the confusion matrix and the soft targets without TensorFlow.js.
 *
 * An ensemble combined geometrically or by logits has exact logits, the mean of its members'
 * (softmax(mean z / T) is the normalised geometric mean of softmax(z / T)); an arithmetic
 * ensemble has none, and its report leaves the soft-targets plot out.
 */
export async function savePredictions(config: ExperimentConfig, baseDir: string, output: string): Promise<void> {
  const { test } = await loadExperimentData(config.data, { baseDir, seed: config.seed ?? 0 });
  const logitsOf = async (dir: string): Promise<number[][]> => {
    const model = await loadLayersModel(fileSystem(dir));
    try {
      const logits = predictLogits(model, test);
      const rows = (await logits.array()) as number[][];
      logits.dispose();
      return rows;
    } finally {
      model.dispose();
    }
  };
  const teacher = config.teacher;
  const teacherDirs =
    'train' in teacher
      ? [join(output, 'teacher')]
      : 'path' in teacher
        ? [resolve(baseDir, teacher.path)]
        : (teacher.combine ?? 'arithmetic') === 'arithmetic'
          ? []
          : teacher.ensemble.map((path) => resolve(baseDir, path));
  const members: number[][][] = [];
  for (const dir of teacherDirs) members.push(await logitsOf(dir));
  const predictions: RunPredictions = {
    split: 'test',
    labels: Array.from(test.labels),
    logits: round(await logitsOf(join(output, 'student'))),
    ...(members.length > 0 ? { teacherLogits: round(meanOf(members)) } : {}),
    ...(test.classNames ? { classNames: [...test.classNames] } : {}),
  };
  await writeFileAtomic(join(output, runFiles.predictions), JSON.stringify(predictions));
}

function meanOf(members: number[][][]): number[][] {
  return members[0]!.map((row, i) => row.map((_, c) => members.reduce((sum, m) => sum + m[i]![c]!, 0) / members.length));
}

/** Five decimals are plenty for plots and keep the file a third of the size. */
function round(rows: number[][]): number[][] {
  return rows.map((row) => row.map((value) => Math.round(value * 1e5) / 1e5));
}
