import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { fileSystem } from '@kd/core/node';
import { layersModelTeacher } from './layers-model-teacher';
import type { LayersModelTeacherOptions } from './layers-model-teacher';
import type { Teacher } from './teacher';

/**
 * A {@link Teacher} over a tfjs `LayersModel` saved in the folder `dir` (`model.json` and its
 * weights, read with `fileSystem` of `@kd/core/node`, without tfjs-node), as
 * {@link layersModelTeacher} wraps it. The teacher owns the model it loaded: `teacher.dispose()`
 * frees it.
 */
export async function savedModelTeacher(dir: string, options: LayersModelTeacherOptions = {}): Promise<Teacher & { dispose(): void }> {
  const model = await loadLayersModel(fileSystem(dir));
  return { ...layersModelTeacher(model, options), dispose: () => model.dispose() };
}
