import * as tf from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { writeFileAtomic } from './write-file-atomic';

/** The file names {@link fileSystem} writes: the standard TensorFlow.js layout. */
export const modelFileNames = { modelJson: 'model.json', weights: 'weights.bin' } as const;

/**
 * A TensorFlow.js `IOHandler` that saves to and loads from a folder on the local filesystem,
 * without `@tensorflow/tfjs-node`: `model.save(fileSystem(dir))` and
 * `tf.loadLayersModel(fileSystem(dir))`: the one model-folder reader and writer of kd.
 *
 * The folder holds `model.json` (topology and a weights manifest with a relative path) and one
 * `weights.bin`: the layout `tfjs.converter` and `tfjs-node` write, so the folder can be served
 * as-is and loaded in a browser with `tf.loadLayersModel('https://.../model.json')`. Each file is
 * written atomically, weights first, so `model.json` only ever names complete weights. Loading
 * also reads folders other tools wrote (`model.save('file://dir')` of tfjs-node, the converter),
 * with the weights in several shards; a shard path that leaves the folder is refused.
 *
 * @param dir the folder; created on save if missing.
 */
export function fileSystem(dir: string): io.IOHandler {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new Error(`Argument 'dir' passed to 'fileSystem' must be a non-empty path, got ${JSON.stringify(dir)}`);
  }
  const modelPath = join(dir, modelFileNames.modelJson);
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error(`'fileSystem' saves JSON model topologies only, got an ArrayBuffer topology`);
      }
      await mkdir(dir, { recursive: true });
      const weightData = tf.io.concatenateArrayBuffers(artifacts.weightData ?? new ArrayBuffer(0));
      const manifest: io.WeightsManifestConfig = [
        { paths: [modelFileNames.weights], weights: artifacts.weightSpecs ?? [] },
      ];
      const modelJson: io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: manifest,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'TensorFlow.js',
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.modelInitializer ? { modelInitializer: artifacts.modelInitializer } : {}),
        ...(artifacts.initializerSignature ? { initializerSignature: artifacts.initializerSignature } : {}),
      };
      await writeFileAtomic(join(dir, modelFileNames.weights), new Uint8Array(weightData));
      await writeFileAtomic(modelPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<io.ModelArtifacts> {
      let text: string;
      try {
        text = await readFile(modelPath, 'utf8');
      } catch (error) {
        throw new Error(`'fileSystem' found no model at ${modelPath}: ${(error as Error).message}`, { cause: error });
      }
      let modelJson: io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as io.ModelJSON;
      } catch (error) {
        throw new Error(`'fileSystem' found invalid JSON in ${modelPath}: ${(error as Error).message}`, { cause: error });
      }
      if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
        throw new Error(`'fileSystem' expected ${modelPath} to hold a TensorFlow.js model (a 'modelTopology' key), got none`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const bytes = await readFile(shardPath(dir, path));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Weight paths come from the file: keep them inside `dir`, so a crafted manifest cannot read elsewhere. */
function shardPath(dir: string, path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new Error(`'fileSystem' refuses weight path '${path}' in ${join(dir, modelFileNames.modelJson)}: it leaves the model folder`);
  }
  return join(dir, clean);
}
