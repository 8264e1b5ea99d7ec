import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';

/**
 * A tfjs load handler that reads a model saved on disk, without tfjs-node: `<dir>/model.json` (the
 * tfjs `ModelJSON` format: `modelTopology`, `weightsManifest`, ...) and the weight shards its
 * manifest names, relative to `dir` (the layout `model.save('file://dir')` writes). Pass it to
 * `tf.loadLayersModel`.
 *
 * @param dir the directory that holds `model.json`.
 */
export function directoryLoader(dir: string): io.IOHandler {
  const fn = 'directoryLoader';
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new TypeError(`Argument 'dir' passed to '${fn}' must be a non-empty path, got ${typeof dir}`);
  }
  return {
    async load(): Promise<io.ModelArtifacts> {
      const jsonPath = join(dir, 'model.json');
      let text: string;
      try {
        text = await readFile(jsonPath, 'utf8');
      } catch (error) {
        throw new Error(`'${fn}' could not read ${jsonPath}: ${(error as Error).message}`, { cause: error });
      }
      let modelJson: io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as io.ModelJSON;
      } catch (error) {
        throw new Error(`'${fn}' found invalid JSON in ${jsonPath}: ${(error as Error).message}`, { cause: error });
      }
      if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
        throw new Error(`'${fn}' expected ${jsonPath} to hold a tfjs model (a 'modelTopology' key), got none`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = await Promise.all(
          manifest.flatMap((group) => group.paths).map((path) => readFile(shardPath(fn, dir, path))),
        );
        const data = Buffer.concat(shards);
        return [specs, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer];
      });
    },
  };
}

/** Weight paths come from the file: keep them inside `dir`, so a crafted manifest cannot read elsewhere. */
function shardPath(fn: string, dir: string, path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new Error(`'${fn}' refuses weight path '${path}' in ${join(dir, 'model.json')}: it leaves the model directory`);
  }
  return join(dir, clean);
}
