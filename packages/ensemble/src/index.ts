export { directoryLoader } from './directory-loader';
export { ensemble } from './ensemble';
export type { Ensemble, EnsembleCombine, EnsembleOptions } from './ensemble';
export { weightsFingerprint } from './fingerprint';
export { functionTeacher } from './function-teacher';
export type { FunctionTeacherOptions } from './function-teacher';
export { graphModelTeacher } from './graph-model-teacher';
export type { GraphModelLike, GraphModelTeacherOptions } from './graph-model-teacher';
export { layersModelTeacher } from './layers-model-teacher';
export type { LayersModelTeacherOptions } from './layers-model-teacher';
export { savedModelTeacher } from './saved-model-teacher';
export type { SavedModelTeacher } from './saved-model-teacher';
export { buildTeacherCache, openTeacherCache } from './teacher-cache';
export type {
  BuildTeacherCacheOptions,
  CacheBatch,
  Fingerprinted,
  OpenTeacherCacheOptions,
  TeacherCache,
  TeacherCacheInfo,
  TransferBatch,
} from './teacher-cache';
export type { Teacher, TeacherOutput } from './teacher';
