import * as v from 'valibot';
import type { OptimizerSpec } from './optimizer';
import { boolean, object, positive, problemsOf, unitRate, variantOf } from './schema-problems';
import { scheduleSchema } from './schedule';

/**
 * The schema of an `OptimizerSpec` (`{ kind: 'sgd' | 'adam', learningRate, ... }`): its JSON Schema
 * and its error messages. The type stays `OptimizerSpec`, whose home is `optimizer.ts`; the
 * annotation makes the compiler check that what the schema accepts is one.
 */
export const optimizerSchema: v.GenericSchema<unknown, OptimizerSpec> = variantOf('kind', [
  object({
    kind: v.literal('sgd'),
    learningRate: scheduleSchema,
    /** Default 0.9. */
    momentum: v.optional(unitRate()),
    /** Default false. */
    nesterov: v.optional(boolean()),
  }),
  object({
    kind: v.literal('adam'),
    learningRate: scheduleSchema,
    /** Default 0.9. */
    beta1: v.optional(unitRate()),
    /** Default 0.999. */
    beta2: v.optional(unitRate()),
    /** Default 1e-7. */
    epsilon: v.optional(positive()),
  }),
]);

/** Every problem with an optimizer spec, each with its path; empty when it is valid. */
export function optimizerSpecProblems(spec: unknown, path: string): string[] {
  return problemsOf(optimizerSchema, spec, path);
}
