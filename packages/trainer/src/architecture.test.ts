import * as tf from '@tensorflow/tfjs-core';
import { architectureProblems, buildModel } from '@kd/trainer';
import type { Architecture } from '@kd/trainer';
import { expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';
import { weightsOf } from '../../../test/weights';

describeBackends('buildModel', () => {
  it.each<Architecture>([
    { type: 'mlp', hidden: [16], dropout: 0.5, inputDropout: 0.2 },
    { type: 'cnn', filters: [4], dense: 8 },
  ])('builds $type for [28, 28, 1] images that takes [n, 28, 28, 1] and outputs logits', (spec) => {
    const model = buildModel(spec, { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(model.inputs[0]!.shape).toEqual([null, 28, 28, 1]);
    const shape = tf.tidy(() => (model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor).shape);
    expect(shape).toEqual([3, 10]);
    model.dispose();
  });

  it('gives the same initial weights for the same seed and others for another', () => {
    const spec: Architecture = { type: 'mlp', hidden: [8] };
    const [a, b, c] = [1, 1, 2].map((seed) => buildModel(spec, { inputShape: [4, 4, 1], numClasses: 3, seed }));
    expect(weightsOf(b!)).toEqual(weightsOf(a!));
    expect(weightsOf(c!)).not.toEqual(weightsOf(a!));
    for (const m of [a, b, c]) m!.dispose();
  });

  it('names every problem of a spec with its path', () => {
    expect(architectureProblems({ type: 'mlp', hidden: [0], dropout: 1, colour: 'red' }, 'student')).toEqual([
      'student.hidden[0]: expected an integer >= 1, got 0',
      'student.dropout: expected a number in [0, 1), got 1',
      'student.colour: unknown key (expected one of type, hidden, activation, dropout, inputDropout)',
    ]);
    expect(architectureProblems({ type: 'transformer' }, 'student')).toEqual(["student.type: expected one of 'mlp', 'cnn', got 'transformer'"]);
    expect(architectureProblems({ type: 'cnn', filters: [] }, 'a')).toEqual(['a.filters: expected a non-empty array of integers >= 1, got an array']);
    expect(() => buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [784], numClasses: 10 })).toThrow(
      "Argument 'inputShape' passed to 'buildModel' must be [height, width, channels], got [784]",
    );
  });
});
