import type { Tensor } from '@tensorflow/tfjs-core';
import { assertTensor } from '@kd/core';

/**
 * The argument checks only this package needs; the common ones come from @kd/core. Each error
 * names the function and the argument, says what was expected and what came, in the style of
 * tfjs's own messages.
 */

export function assertProbs2d(fn: string, arg: string, value: unknown): asserts value is Tensor {
  assertTensor(fn, arg, value);
  if (value.rank !== 2) {
    throw new Error(
      `Argument '${arg}' passed to '${fn}' must be a rank-2 tensor [examples, classes], got shape [${value.shape.join(', ')}]`,
    );
  }
  if (value.dtype !== 'float32') {
    throw new Error(`Argument '${arg}' passed to '${fn}' must have dtype float32, got ${value.dtype}`);
  }
}
