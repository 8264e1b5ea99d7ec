import * as tf from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { describeShape } from './describe-value';
import { readJsonFile } from './read-json-file';
import { weightsByteLength } from './weights-byte-length';
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
      const modelJson = checkModelJson(modelPath, await readJsonFile(modelPath, 'model file'));
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        const files: string[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const file = shardPath(dir, path);
            const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
              throw new Error(`'fileSystem' cannot read weight file ${file} that ${modelPath} lists: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
            });
            files.push(path);
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        const specs = tf.io.getWeightSpecs(manifest);
        const data = tf.io.concatenateArrayBuffers(buffers);
        const expected = weightsByteLength(specs);
        if (expected !== undefined && expected !== data.byteLength) {
          throw new Error(
            `'fileSystem' expected the weight files of ${modelPath} (${files.join(', ')}) to hold the ${expected} bytes its weightsManifest lists, got ${data.byteLength}: they are cut short or belong to another model`,
          );
        }
        return [specs, data];
      });
    },
  };
}

/**
 * A model.json must hold a topology (a layers model's `class_name` and `config`, or a graph
 * model's nodes) and a weights manifest: without one, tfjs would build the model with fresh random
 * weights and say nothing.
 */
function checkModelJson(modelPath: string, json: unknown): io.ModelJSON {
  const problem = (expected: string, got: unknown): Error => new Error(`'fileSystem' expected ${modelPath} to hold ${expected}, got ${describeShape(got)}`);
  if (!isObject(json)) throw problem('a TensorFlow.js model (an object with modelTopology and weightsManifest)', json);
  const { modelTopology, weightsManifest, format } = json as Partial<io.ModelJSON>;
  const topology = isObject(modelTopology) && (format === 'graph-model' || typeof modelTopology.class_name === 'string' || 'model_config' in modelTopology);
  if (!topology) throw problem('a model topology (modelTopology: an object with class_name and config)', modelTopology);
  const manifest =
    Array.isArray(weightsManifest) &&
    weightsManifest.every((group: unknown) => isObject(group) && Array.isArray(group.paths) && group.paths.every((path) => typeof path === 'string') && Array.isArray(group.weights));
  if (!manifest) throw problem('a weightsManifest (an array of { paths, weights })', weightsManifest);
  return json as unknown as io.ModelJSON;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Weight paths come from the file: keep them inside `dir`, so a crafted manifest cannot read elsewhere. */
function shardPath(dir: string, path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new Error(`'fileSystem' refuses weight path '${path}' in ${join(dir, modelFileNames.modelJson)}: it leaves the model folder`);
  }
  return join(dir, clean);
}
