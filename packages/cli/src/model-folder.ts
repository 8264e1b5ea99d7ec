import { fileSystem } from '@kd/core/node';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Loads the TensorFlow.js model saved in `dir`; any failure (a missing or corrupt file, a topology
 * tfjs cannot build) is an Error naming `what` (the config key or argument that gave the folder)
 * and the folder, with the reason.
 */
export async function loadModelFolder(dir: string, what: string): Promise<LayersModel> {
  try {
    return await loadLayersModel(fileSystem(dir));
  } catch (error) {
    throw new Error(`${what}: cannot load the model in ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
