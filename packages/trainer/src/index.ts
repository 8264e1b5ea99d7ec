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
