import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { directoryLoader, layersModelTeacher, savedModelTeacher } from '@kd/ensemble';
import { afterAll, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

/**
 * Writes `model` in the layout `model.save('file://dir')` produces: model.json with a weights
 * manifest, weights split over two shards to check that shards are concatenated in order.
 */
async function saveToDirectory(model: tfl.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const cut = Math.floor(data.length / 2);
      writeFileSync(join(dir, 'group1-shard1of2.bin'), data.subarray(0, cut));
      writeFileSync(join(dir, 'group1-shard2of2.bin'), data.subarray(cut));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: 'test',
          weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

const root = mkdtempSync(join(tmpdir(), 'kd-saved-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeBackends('savedModelTeacher', (backend) => {
  it('loads a model from disk that computes what the saved one did', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }),
        tfl.layers.dense({ units: 4, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
      ],
    });
    const dir = join(root, backend);
    await saveToDirectory(model, dir);
    const { teacher, model: loaded } = await savedModelTeacher(dir);
    expect(teacher.numClasses).toBe(4);
    expect(teacher.fingerprint()).toBe(layersModelTeacher(model).fingerprint());
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5], [0, 0, 3]]);
      return [teacher.logits!(x).dataSync(), (model.predict(x) as tf.Tensor).dataSync()];
    });
    expect(Array.from(a)).toEqual(Array.from(b));
    model.dispose();
    loaded.dispose();
  });

  it('names the file when model.json is missing or broken, and refuses paths outside the folder', async () => {
    await expect(directoryLoader(join(root, 'nothing')).load!()).rejects.toThrow(/'directoryLoader' could not read .*nothing\/model.json/);
    const broken = join(root, `broken-${backend}`);
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": ');
    await expect(directoryLoader(broken).load!()).rejects.toThrow(/'directoryLoader' found invalid JSON in .*model.json/);
    writeFileSync(
      join(broken, 'model.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }),
    );
    await expect(directoryLoader(broken).load!()).rejects.toThrow(/refuses weight path '..\/..\/etc\/passwd'/);
  });
});
