import { loadLayersModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { directoryLoader } from './directory-loader';
import { layersModelTeacher } from './layers-model-teacher';
import type { LayersModelTeacherOptions } from './layers-model-teacher';
import type { Teacher } from './teacher';

/** A teacher loaded from disk, with its model (dispose the model when done with the teacher). */
export interface SavedModelTeacher {
  teacher: Teacher;
  model: LayersModel;
}

/**
 * Loads a tfjs `LayersModel` saved in `dir` (`model.json` plus weight shards; see
 * {@link directoryLoader}) and wraps it with {@link layersModelTeacher}.
 */
export async function savedModelTeacher(
  dir: string,
  options: LayersModelTeacherOptions = {},
): Promise<SavedModelTeacher> {
  const model = await loadLayersModel(directoryLoader(dir));
  return { teacher: layersModelTeacher(model, options), model };
}
