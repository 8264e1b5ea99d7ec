import { writeFileAtomic } from '@kd/core/node';
import type { Dataset } from '@kd/data';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { predictLogits } from '@kd/trainer';
import { join } from 'node:path';
import type { RunPredictions } from './run-folder';
import { runFiles } from './run-folder';

/** What {@link savePredictions} scores. */
export interface PredictionModels {
  student: LayersModel;
  /**
   * The teacher's models whose mean logits give its soft targets: one model, or the members of an
   * ensemble combined geometrically or by logits (softmax(mean z / T) is the normalised geometric
   * mean of softmax(z / T)); none for an arithmetic ensemble, whose report leaves the soft-targets
   * plot out.
   */
  teacherLogitModels: readonly LayersModel[];
  test: Dataset;
}

/**
 * Writes `predictions.json` into a run folder: the final student's logits on the test set, and
 * logits for the teacher's soft targets, so `kd report` can draw the reliability diagram, the
 * confusion matrix and the soft targets without TensorFlow.js.
 */
export async function savePredictions(output: string, { student, teacherLogitModels, test }: PredictionModels): Promise<void> {
  const logitsOf = async (model: LayersModel): Promise<number[][]> => {
    const logits = predictLogits(model, test);
    const rows = (await logits.array()) as number[][];
    logits.dispose();
    return rows;
  };
  const members: number[][][] = [];
  for (const model of teacherLogitModels) members.push(await logitsOf(model));
  const predictions: RunPredictions = {
    split: 'test',
    labels: Array.from(test.labels),
    logits: round(await logitsOf(student)),
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
