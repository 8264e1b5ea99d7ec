export { combineWithSpecialists } from './combine-with-specialists';
export type { CombineWithSpecialistsOptions, SpecialistPrediction } from './combine-with-specialists';
export { findConfusableClusters } from './confusable-clusters';
export type { ConfusableClustersOptions } from './confusable-clusters';
export { ensemble } from './ensemble';
export type { Ensemble, EnsembleCombine, EnsembleOptions } from './ensemble';
export { weightsFingerprint } from './fingerprint';
export { functionTeacher } from './function-teacher';
export type { FunctionTeacherOptions } from './function-teacher';
export { graphModelTeacher } from './graph-model-teacher';
export type { GraphModelLike, GraphModelTeacherOptions } from './graph-model-teacher';
export { layersModelTeacher } from './layers-model-teacher';
export type { LayersModelTeacherOptions } from './layers-model-teacher';
export { specialistDataset } from './specialist-dataset';
export type { LabelledExamples, SpecialistDataset, SpecialistDatasetOptions } from './specialist-dataset';
export { correctDustbinBias, createSpecialistModel } from './specialist-model';
export type { Teacher, TeacherOutput } from './teacher';
// Types only: the cache itself reads and writes files, in @kd/ensemble/node.
export type {
  BuildTeacherCacheOptions,
  CacheBatch,
  Fingerprinted,
  InputsFingerprinted,
  OpenTeacherCacheOptions,
  TeacherCache,
  TeacherCacheInfo,
  TransferBatch,
} from './teacher-cache';
export type { CacheShard } from './teacher-cache-shards';
