import { loadMnistDigits } from '@kd/data';
import type { Dataset } from '@kd/data';
import { layersModelTeacher } from '@kd/ensemble';
import { buildModel, createDistiller, evaluate, trainModel } from '@kd/trainer';
import type { Architecture, FitOptions } from '@kd/trainer';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';

// The paper's MNIST result in miniature: a small student trained on a small transfer set learns
// more from a teacher's soft targets than from the hard labels alone, with the same steps, data
// and seed. An ordering of error counts, checked for three seeds. It runs once, on wasm when
// present (3 to 4 times faster than cpu for these dense layers): the leak and determinism checks
// live in the other suites.
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;

describe(`distillation on mnist digits [${backend}]`, () => {
  let teacher: LayersModel;
  let transfer: Dataset;
  let test: Dataset;
  const student: Architecture = { type: 'mlp', hidden: [32] };

  beforeAll(async () => {
    await activateBackend(backend);
    const digits = await loadMnistDigits({ seed: 0 });
    // The split lists examples class by class: take stratified random subsets, not the first n.
    test = digits.test.subsample({ fraction: 0.5, seed: 1 });
    transfer = digits.train.subsample({ fraction: 600 / 8000, seed: 2 });
    teacher = buildModel({ type: 'mlp', hidden: [64] }, { inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
    await trainModel(teacher, digits.train.subsample({ fraction: 3000 / 8000, seed: 3 }), { epochs: 3, batchSize: 50, optimizer: { kind: 'adam', learningRate: 0.003 }, progress: false });
  });
  afterAll(() => {
    teacher.dispose();
  });

  it.each([1, 2, 3])('a distilled student makes fewer test errors than its hard-label twin (seed %d)', async (seed) => {
    const options: FitOptions = { epochs: 8, batchSize: 50, seed, optimizer: { kind: 'adam', learningRate: 0.003 }, progress: false };
    const baseline = buildModel(student, { inputShape: [28, 28, 1], numClasses: 10, seed });
    await trainModel(baseline, transfer, options);
    const distilled = buildModel(student, { inputShape: [28, 28, 1], numClasses: 10, seed });
    await createDistiller({
      teacher: layersModelTeacher(teacher),
      student: distilled,
      loss: { key: 'distillation', options: { temperature: 4, softWeight: 1, hardWeight: 0.1 } },
    }).fit(transfer, options);
    const errors = (model: LayersModel) => evaluate(model, test, { metrics: ['errorCount'] }).errorCount!;
    const [hard, soft, teacherErrors] = [errors(baseline), errors(distilled), errors(teacher)];
    console.log(`seed ${seed}: teacher ${teacherErrors}, hard-label student ${hard}, distilled student ${soft} errors / ${test.size}`);
    expect(soft).toBeLessThan(hard);
    baseline.dispose();
    distilled.dispose();
  });
});
