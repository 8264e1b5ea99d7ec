import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem } from '@kd/core/node';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeBackends } from '../../../test/describe-backends';

function smallModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ inputShape: [4], units: 5, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }));
  return model;
}

describeBackends('fileSystem', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kd-fs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves model.json + weights.bin and loads the same model back', async () => {
    const model = smallModel();
    await model.save(fileSystem(dir));
    expect((await readdir(dir)).toSorted()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe((4 * 5 + 5 + 5 * 3 + 3) * 4);

    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 3, 0.5], [0, 1, 0, -1]]);
      return [
        (model.predict(x) as tf.Tensor).arraySync(),
        (loaded.predict(x) as tf.Tensor).arraySync(),
      ];
    });
    expect(b).toEqual(a);
    model.dispose();
    loaded.dispose();
  });

  it('overwrites a previous save and leaves no temporary files', async () => {
    const first = smallModel();
    await first.save(fileSystem(dir));
    const second = smallModel();
    const doubled = second.getWeights().map((w) => tf.mul(w, 2));
    second.setWeights(doubled);
    tf.dispose(doubled);
    await second.save(fileSystem(dir));
    expect((await readdir(dir)).toSorted()).toEqual(['model.json', 'weights.bin']);
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    const [want, got] = tf.tidy(() => [second.getWeights()[0]!.arraySync(), loaded.getWeights()[0]!.arraySync()]);
    expect(got).toEqual(want);
    first.dispose();
    second.dispose();
    loaded.dispose();
  });

  it('is servable as-is: tf.loadLayersModel loads it over HTTP from model.json', async () => {
    const model = smallModel();
    await model.save(fileSystem(dir));
    const server = createServer(async (req, res) => {
      try {
        res.end(await readFile(join(dir, req.url!.slice(1))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await tfl.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const [a, b] = tf.tidy(() => [model.getWeights()[2]!.arraySync(), loaded.getWeights()[2]!.arraySync()]);
      expect(b).toEqual(a);
      loaded.dispose();
    } finally {
      server.close();
      model.dispose();
    }
  });

  it('says where it looked when there is no model', async () => {
    await expect(tfl.loadLayersModel(fileSystem(join(dir, 'missing')))).rejects.toThrow(
      /^cannot read model file .*missing\/model\.json: no such file$/,
    );
    expect(() => fileSystem('')).toThrow(/'dir' passed to 'fileSystem' must be a non-empty path, got ""/);
  });

  it('loads a folder whose weights another tool split over several shards', async () => {
    const model = smallModel();
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
        const cut = Math.floor(data.length / 2);
        await writeFile(join(dir, 'group1-shard1of2.bin'), data.subarray(0, cut));
        await writeFile(join(dir, 'group1-shard2of2.bin'), data.subarray(cut));
        await writeFile(
          join(dir, 'model.json'),
          JSON.stringify({
            modelTopology: artifacts.modelTopology,
            format: 'layers-model',
            weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }],
          }),
        );
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    const [want, got] = tf.tidy(() => [model.getWeights().map((w) => w.arraySync()), loaded.getWeights().map((w) => w.arraySync())]);
    expect(got).toEqual(want);
    model.dispose();
    loaded.dispose();
  });

  it('names the file when model.json is broken, and refuses weight paths outside the folder', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'model.json'), '{"modelTopology": ');
    await expect(fileSystem(broken).load!()).rejects.toThrow(/^model file .*broken\/model\.json is not valid JSON: /);
    await writeFile(join(broken, 'model.json'), '{}');
    await expect(fileSystem(broken).load!()).rejects.toThrow(/'fileSystem' expected .*model\.json to hold a model topology \(modelTopology: an object with class_name and config\), got undefined/);
    const topology = { class_name: 'Sequential', config: {} };
    await writeFile(join(broken, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    await expect(fileSystem(broken).load!()).rejects.toThrow(/'fileSystem' refuses weight path '\.\.\/\.\.\/etc\/passwd'/);
  });

  // Each was a tfjs message naming no file: "Cannot read properties of null (reading
  // 'model_config')", "Improper config format", "the tensor should have 6272 values but has 25",
  // or no error at all (no manifest: the model loaded with fresh random weights).
  it.each([
    { name: 'a null topology', edit: (json: Record<string, unknown>) => ({ ...json, modelTopology: null }), error: /expected .*model\.json to hold a model topology \(modelTopology: an object with class_name and config\), got null$/ },
    { name: 'an empty topology', edit: (json: Record<string, unknown>) => ({ ...json, modelTopology: {} }), error: /to hold a model topology .*, got an empty object$/ },
    { name: 'no weights manifest', edit: (json: Record<string, unknown>) => ({ ...json, weightsManifest: undefined }), error: /expected .*model\.json to hold a weightsManifest \(an array of \{ paths, weights \}\), got undefined$/ },
    { name: 'a missing weight file', edit: (json: Record<string, unknown>) => ({ ...json, weightsManifest: [{ ...(json.weightsManifest as object[])[0], paths: ['gone.bin'] }] }), error: /'fileSystem' cannot read weight file .*gone\.bin that .*model\.json lists: no such file$/ },
  ])('names model.json and what it expected for $name', async ({ edit, error }) => {
    const model = smallModel();
    await model.save(fileSystem(dir));
    model.dispose();
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    await writeFile(join(dir, 'model.json'), JSON.stringify(edit(json)));
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(error);
  });

  it('names the weight files and both sizes when they are cut short', async () => {
    const model = smallModel();
    await model.save(fileSystem(dir));
    model.dispose();
    const bytes = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), bytes.subarray(0, 100));
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(
      new RegExp(`'fileSystem' expected the weight files of .*model\\.json \\(weights\\.bin\\) to hold the ${bytes.byteLength} bytes its weightsManifest lists, got 100: they are cut short or belong to another model$`),
    );
  });
});
