import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem } from '@kd/core/node';
import { layersModelTeacher } from '@kd/ensemble';
import { savedModelTeacher } from '@kd/ensemble/node';
import { afterAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

const root = mkdtempSync(join(tmpdir(), 'kd-saved-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeBackends('savedModelTeacher', (backend) => {
  it('is a teacher like every other adapter, computing what the saved model did, and owns its model', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }),
        tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
      ],
    });
    const dir = join(root, backend);
    await model.save(fileSystem(dir));
    const before = tf.memory().numTensors;
    const teacher = await savedModelTeacher(dir);
    expect(teacher.kind).toBe('teacher');
    expect(teacher.numClasses).toBe(4);
    expect(teacher.fingerprint()).toBe(layersModelTeacher(model).fingerprint());
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5], [0, 0, 3]]);
      return [teacher.logits!(x).dataSync(), (model.predict(x) as tf.Tensor).dataSync()];
    });
    expect(Array.from(a)).toEqual(Array.from(b));
    teacher.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('names the folder when there is no model', async () => {
    await expect(savedModelTeacher(join(root, 'nothing'))).rejects.toThrow(/^cannot read model file .*nothing\/model\.json: no such file$/);
  });
});
