import { fileURLToPath } from 'node:url';
import { integerList, numberList, positiveInteger, runExampleMain } from '@kd-examples/shared';
import { defaultSettings, recipeNames, runCnnDistill } from './cnn-distill';
import type { Recipe } from './cnn-distill';

function recipes(text: string): Recipe[] {
  const names = text.split(',').map((r) => r.trim());
  const bad = names.find((r) => !(recipeNames as readonly string[]).includes(r));
  if (bad !== undefined || names.length === 0) throw new Error(`--recipes must be a list of ${recipeNames.join(', ')}, got '${text}'`);
  return names as Recipe[];
}

await runExampleMain(
  {
    name: 'cnn-distill',
    about: "A CNN teacher distilled into the paper's 800-800 MLP student, with the temperature and the recipe chosen on validation data.",
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      'teacher-jitter': { type: 'string' },
      temperatures: { type: 'string' },
      recipes: { type: 'string' },
      'student-jitter': { type: 'string' },
      'mixup-alpha': { type: 'string' },
    },
    usage: `  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --teacher-jitter 0,1   the teacher's training images shift by up to this many pixels; with several, the
                         first seed keeps the teacher with the fewest validation errors; default ${defaultSettings.teacherJitters.join(',')}
  --temperatures 2,4,8   distillation temperatures, chosen on the first seed's validation data; default ${defaultSettings.temperatures.join(',')}
  --recipes plain,jitter,mixup
                         how the student sees the transfer set, chosen on the first seed's validation data:
                         plain (the teacher's outputs cached once), jitter (images shifted by up to
                         --student-jitter pixels, the teacher scoring the same shifted images), mixup
                         (pairs mixed with --mixup-alpha, the teacher scoring the mixed images); default ${defaultSettings.recipes.join(',')}
  --student-jitter <px>  default ${defaultSettings.studentJitter}
  --mixup-alpha <a>      default ${defaultSettings.mixupAlpha}`,
    run: (flags, values, context) =>
      runCnnDistill(flags, context, {
        ...defaultSettings,
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values['teacher-jitter'] !== undefined ? { teacherJitters: integerList('--teacher-jitter', values['teacher-jitter'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
        ...(values.recipes !== undefined ? { recipes: recipes(values.recipes as string) } : {}),
        ...(values['student-jitter'] !== undefined ? { studentJitter: positiveInteger('--student-jitter', values['student-jitter'] as string) } : {}),
        ...(values['mixup-alpha'] !== undefined ? { mixupAlpha: numberList('--mixup-alpha', values['mixup-alpha'] as string)[0]! } : {}),
      }),
  },
  process.argv.slice(2),
);
