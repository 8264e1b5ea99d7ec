import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '@kd/data';

/**
 * Why `model` cannot take the examples of `data` (named `dataArg` in the messages): images of
 * another number of values than its input takes, or another number of classes than it outputs.
 * Empty when it fits. The training loops check this before the first step; so can anything that
 * loads a model to use on a data set.
 */
export function modelDataProblems(model: LayersModel, data: Pick<Dataset, 'imageShape' | 'exampleSize' | 'numClasses'>, dataArg: string): string[] {
  const problems: string[] = [];
  const inputShape = model.inputs[0]?.shape ?? [];
  const perExample = inputShape.slice(1).reduce<number>((a, b) => a * (b ?? Number.NaN), 1);
  if (perExample !== data.exampleSize) {
    problems.push(
      `${dataArg}: holds ${data.imageShape.join('x')} images (${data.exampleSize} values each), but the model takes [${inputShape.map((d) => d ?? 'batch').join(', ')}]`,
    );
  }
  const classes = model.outputs[0]?.shape.at(-1);
  if (classes !== data.numClasses) problems.push(`${dataArg}: has ${data.numClasses} classes, but the model outputs ${String(classes)}`);
  return problems;
}
