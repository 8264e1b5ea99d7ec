import { Dataset, batches } from '@kd/data';
import type { Augmentation } from '@kd/data';
import { argumentError, describeValue } from '@kd/core';
import { buildTeacherCache, openTeacherCache } from './teacher-cache';
import type { TeacherCache } from './teacher-cache';
import { isTeacher } from './teacher';
import type { Teacher } from './teacher';

/** Options of {@link cacheEveryInput}. */
export interface CacheEveryInputOptions {
  teacher: Teacher;
  /** The transfer set the student will train on. */
  dataset: Dataset;
  /** The cache file to write (safetensors), replaced atomically if it exists. */
  path: string;
  /**
   * The student's augmentation: the teacher is scored on every variant of every example (each of
   * the 9 shifts of a 1-pixel `jitter`, ...), so the cache serves any epochs the student trains
   * with it. Every augmentation must list its variants. Default none: the examples as they are.
   */
  augment?: Augmentation | readonly Augmentation[];
  /**
   * The loss's temperature. A teacher with logits is cached as logits, which serve every
   * temperature; one without (an arithmetic ensemble) as its soft targets at this temperature,
   * which it then needs.
   */
  temperature?: number;
}

/**
 * Runs `teacher` once over every input a student training on `dataset` with `augment` can be
 * shown, stores its outputs at `path`, and opens that cache: a distiller reading it gives the
 * student the teacher's outputs on the very inputs it sees (consistent teaching) for any number
 * of epochs, at the cost of one teacher pass per variant. The caller closes the cache.
 */
export async function cacheEveryInput(options: CacheEveryInputOptions): Promise<TeacherCache> {
  const fn = 'cacheEveryInput';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object { teacher, dataset, path, augment?, temperature? }, got ${describeValue(options)}`);
  }
  const { teacher, dataset, path, augment, temperature } = options;
  if (!isTeacher(teacher)) throw argumentError(fn, 'options.teacher', 'a Teacher', teacher);
  if (!(dataset instanceof Dataset)) throw argumentError(fn, 'options.dataset', 'a Dataset (the transfer set)', dataset);
  if (typeof path !== 'string' || path.length === 0) throw argumentError(fn, 'options.path', 'a non-empty string (the cache file)', path);
  if (typeof teacher.logits !== 'function' && temperature === undefined) {
    throw new Error(`Argument 'options.temperature' passed to '${fn}' is needed: the teacher has no logits, so its soft targets are cached at the loss's temperature`);
  }
  const probsAt = typeof teacher.logits === 'function' || temperature === undefined ? {} : { temperature };
  const inputs = batches(dataset, { batchSize: 512, shuffle: false, ...(augment !== undefined ? { augment, everyVariant: true } : {}) });
  await buildTeacherCache({ teacher, batches: inputs, path, dataset, ...probsAt });
  return openTeacherCache({ path, teacher, dataset });
}
