import type { Architecture } from '@kd/trainer';

/**
 * The paper's MNIST nets (section 3): a teacher of two 1200-unit layers regularised with dropout
 * (0.2 on the input, 0.5 on hidden units, with jittered inputs during training) and a student of
 * two 800-unit layers with no regularisation. `quick` gives narrow versions for smoke runs;
 * `dropout` replaces the teacher's 0.5 on hidden units (the input keeps 0.2).
 */
export function paperTeacher(quick = false, dropout = 0.5): Architecture {
  return { type: 'mlp', hidden: quick ? [64, 64] : [1200, 1200], dropout, inputDropout: 0.2 };
}

export function paperStudent(quick = false): Architecture {
  return { type: 'mlp', hidden: quick ? [32, 32] : [800, 800] };
}

/**
 * The CNN teacher of cnn-distill (and of the reference in shared/reference): two blocks of 3x3
 * convolution (32, then 64 filters) and 2x2 max pooling, 128 dense units, dropout 0.5 before the
 * logits. `quick` gives a narrow one for smoke runs.
 */
export function cnnTeacher(quick = false): Architecture {
  return { type: 'cnn', filters: quick ? [8, 16] : [32, 64], dense: quick ? 32 : 128, dropout: 0.5 };
}

/** An unregularised MLP with two hidden layers of `width` units (the temperature sweep's students). */
export function mlp(width: number): Architecture {
  return { type: 'mlp', hidden: [width, width] };
}

/** Hidden widths as the paper writes them: `1200-1200`. */
export function architectureName(spec: Architecture): string {
  return spec.type === 'mlp' ? spec.hidden.join('-') : `cnn ${spec.filters.join('-')}`;
}
