import { fileURLToPath } from 'node:url';
import { integerList, nameList, numberList, positiveInteger, recipeFlags, recipeOptions, recipeUsage, runExampleMain, scheduleFlags, scheduleOptions } from '@kd-examples/shared';
import { ablationNames, runAblations, studentDropout } from './ablations';
import { defaultSettings, runCnnDistill } from './cnn-distill';
import type { CnnDistillSettings } from './cnn-distill';

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
      ...scheduleOptions,
      ...recipeOptions,
      ablations: { type: 'string' },
    },
    usage: `  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --teacher-jitter 0,1   the teacher's training images shift by up to this many pixels; with several, the
                         first seed keeps the teacher with the fewest validation errors; default ${defaultSettings.teacherJitters.join(',')}
  --temperatures 2,4,8   distillation temperatures, chosen on the first seed's validation data; default ${defaultSettings.temperatures.join(',')}
${recipeUsage(defaultSettings)}
  --schedules early-stop,cosine
                         how the students train, chosen last on the first seed's validation data (the
                         distilled student's at the chosen temperature and recipe; the hard-label
                         student's on its own): early-stop (--patience, --lr-plateau) or cosine (all
                         --student-epochs epochs, the learning rate on half a cosine to 0, the best
                         validation epoch's weights kept); default ${defaultSettings.schedules.join(',')}
  --ablations ${ablationNames.join(',')}
                         instead of the above: the student at the first --temperatures, with consistent
                         --student-jitter, on the cosine schedule for --student-epochs, and each change
                         on its own (chosen: none; soft-only: hard weight 0; temperature-1; logit-matching;
                         student-dropout: ${studentDropout} on its hidden units; jitter-mixup: mixup with
                         --mixup-alpha on the jittered images), the teacher at the first --teacher-jitter;
                         validation errors only, to <data>-ablations-seed<k>.json`,
    run: (flags, values, context) => {
      const settings: CnnDistillSettings = {
        ...defaultSettings,
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values['teacher-jitter'] !== undefined ? { teacherJitters: integerList('--teacher-jitter', values['teacher-jitter'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
        ...scheduleFlags(values),
        ...recipeFlags(values),
      };
      const ablations = values.ablations as string | undefined;
      return ablations === undefined ? runCnnDistill(flags, context, settings) : runAblations(flags, context, settings, nameList('--ablations', ablations, ablationNames));
    },
  },
  process.argv.slice(2),
);
