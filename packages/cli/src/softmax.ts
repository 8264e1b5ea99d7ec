/**
 * `softmax(logits / T)` of one example in float64 plain JavaScript: the report works on numbers
 * read from a run folder, with no TensorFlow.js engine. Subtracting the maximum keeps it finite
 * for logits of any magnitude.
 */
export function softmaxAt(logits: readonly number[], temperature = 1): number[] {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`Argument 'temperature' passed to 'softmaxAt' must be a finite number > 0, got ${temperature}`);
  }
  if (logits.length === 0 || !logits.every(Number.isFinite)) {
    throw new Error(`Argument 'logits' passed to 'softmaxAt' must be a non-empty array of finite numbers`);
  }
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp((z - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
