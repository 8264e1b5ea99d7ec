import * as tf from '@tensorflow/tfjs-core';
import { ensemble, layersModelTeacher } from '@kd/ensemble';
import { buildModel, evaluate, predictLogits } from '@kd/trainer';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { describeBackends } from '../../../test/describe-backends';

describeBackends('evaluate', () => {
  const data = blobs(30, 3);

  it('scores a model, its teacher, an ensemble of it and a logits function alike', () => {
    const model = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 2 });
    const metrics = ['accuracy', 'errorCount', 'nll', 'ece'] as const;
    const direct = evaluate(model, data, { metrics });
    const teacher = layersModelTeacher(model);
    expect(evaluate(teacher, data, { metrics })).toEqual(direct);
    expect(evaluate((x) => model.predict(x) as tf.Tensor, data, { metrics })).toEqual(direct);
    // An arithmetic ensemble has no logits: it is scored by its log-probabilities at T = 1.
    const mean = evaluate(ensemble([teacher, teacher], { combine: 'arithmetic' }), data, { metrics });
    expect(mean.errorCount).toBe(direct.errorCount);
    expect(mean.nll).toBeCloseTo(direct.nll!, 5);
    expect(evaluate(model, data, { metrics: ['agreement'], teacher })).toEqual({ agreement: 1 });
    const [a, b] = tf.tidy(() => [predictLogits(teacher, data).arraySync(), predictLogits(model, data).arraySync()]);
    expect(a).toEqual(b);
    model.dispose();
  });

  it('names the argument it cannot score', () => {
    expect(() => evaluate({ kind: 'teacherCache' } as never, data)).toThrow(
      "Argument 'scorer' passed to 'evaluate' must run on inputs; a TeacherCache holds outputs for its own transfer set only",
    );
    expect(() => evaluate({} as never, data)).toThrow("Argument 'scorer' passed to 'evaluate' must be a tfjs LayersModel, a Teacher or a function from images to logits, got object");
    expect(() => evaluate((x) => x, data, { metrics: ['agreement'] })).toThrow("Metric 'agreement' passed to 'evaluate' needs options.teacher, got none");
    expect(() => evaluate((x) => x, [] as never)).toThrow("Argument 'dataset' passed to 'evaluate' must be a Dataset, got an array");
  });
});
