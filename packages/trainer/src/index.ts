export {
  accuracy,
  agreement,
  brierScore,
  computeMetrics,
  confusionMatrix,
  errorCount,
  expectedCalibrationError,
  higherIsBetter,
  metricNames,
  negativeLogLikelihood,
  topKAccuracy,
} from './metrics';
export type { CalibrationOptions, MetricInputs, MetricName, TopKOptions } from './metrics';
export { fileSystem, modelFileNames } from './file-system';
export { scheduleKinds, scheduleValue } from './schedule';
export type { Schedule } from './schedule';
export { createProgressBar, formatProgress } from './progress-bar';
export type { ProgressBar, ProgressBarOptions, ProgressStream } from './progress-bar';
export { jsonlLog } from './jsonl-log';
export type { EpochRecord, JsonlLog } from './jsonl-log';
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
export { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
export type { CheckpointState, SaveCheckpointOptions } from './checkpoint';
export { architectureProblems, buildModel } from './architecture';
export type { Architecture, BuildModelOptions } from './architecture';
export { evaluate, predictLogits } from './evaluate';
export type { EvaluateOptions } from './evaluate';
export type { EarlyStopping, FitOptions, FitResult } from './fit-loop';
export { trainModel } from './train-model';
export { createDistiller } from './distiller';
export type { DistillOptions, DistillSchedules, Distiller, DistillerArgs } from './distiller';
export { tuneClassBias } from './tune-class-bias';
export type { ClassBiasChoice, TuneClassBiasOptions } from './tune-class-bias';
export { validateExperimentConfig } from './experiment-config';
export type { DataConfig, ExperimentConfig, TeacherConfig, TrainingConfig } from './experiment-config';
export { writeFileAtomic } from './atomic-write';
export { loadExperimentData } from './experiment-data';
export type { ExperimentData, ExperimentDataOptions } from './experiment-data';
export { runExperiment } from './run-experiment';
export type { ExperimentModel, ExperimentResult, RunExperimentOptions, TestMetrics } from './run-experiment';
