/** Five examples whose confidences fall in three of ten bins: for the calibration binning and its diagram. */
export const probabilities = [
  [0.95, 0.05], // confident, right
  [0.9, 0.1], // confident, wrong
  [0.35, 0.65], // 0.65, right
  [0.55, 0.45], // 0.55, wrong
  [0.5, 0.5], // 0.5, ties go to class 0: right
];
export const labels = [0, 1, 1, 1, 0];
