export {
  accuracy,
  agreement,
  brierScore,
  computeMetrics,
  confusionMatrix,
  defaultMetrics,
  errorCount,
  expectedCalibrationError,
  higherIsBetter,
  metricNames,
  negativeLogLikelihood,
  topKAccuracy,
} from './metrics';
export type { CalibrationOptions, MetricInputs, MetricName, TopKOptions } from './metrics';
export { scheduleKinds, scheduleProblems, scheduleRangeProblems, scheduleSchema, scheduleValue } from './schedule';
export type { Schedule, ScheduleRange } from './schedule';
export { createProgressBar, formatProgress } from './progress-bar';
export type { ProgressBar, ProgressBarOptions, ProgressStream } from './progress-bar';
export type { EpochRecord } from './epoch-record';
export {
  createOptimizer,
  disposeOptimizer,
  disposeOptimizerState,
  optimizerProblems,
  readOptimizerState,
  restoreOptimizerState,
  setLearningRate,
} from './optimizer';
export type { NamedTensor, OptimizerSpec, OptimizerState } from './optimizer';
export { optimizerSchema, optimizerSpecProblems } from './optimizer-schema';
export { architectureProblems, architectureSchema, buildModel } from './architecture';
export type { Architecture, BuildModelOptions } from './architecture';
export { evaluate, predictLogits } from './evaluate';
export { modelDataProblems } from './model-data-problems';
export type { EvaluateOptions, Scorer } from './evaluate';
export type { BatchEnd, Callback, LoopState, TrainingContext } from './callback';
export { divergenceSchema } from './divergence-guard';
export type { DivergenceOptions } from './divergence-guard';
export type { EarlyStopping, FitOptions } from './fit-options';
export type { FitResult, StopReason } from './fit-result';
export { trainModel } from './train-model';
export { createDistiller } from './distiller';
export type { DistillOptions, DistillSchedules, Distiller, DistillerArgs } from './distiller';
export { reduceLearningRateOnPlateau } from './reduce-lr-on-plateau';
export type { ReduceLearningRateOnPlateauOptions } from './reduce-lr-on-plateau';
export { tuneClassBias } from './tune-class-bias';
export type { ClassBiasChoice, TuneClassBiasOptions } from './tune-class-bias';
export {
  boolean,
  expected,
  finiteNumber,
  integer,
  list,
  nonEmptyString,
  nonNegative,
  object,
  oneOf,
  oneOfValues,
  positive,
  problemsOf,
  safeInteger,
  unitRate,
  variantOf,
} from './schema-problems';
