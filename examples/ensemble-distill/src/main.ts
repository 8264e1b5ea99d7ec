import { fileURLToPath } from 'node:url';
import { nameList, numberList, positiveInteger, recipeFlags, recipeOptions, recipeUsage, runExampleMain, scheduleFlags, scheduleOptions } from '@kd-examples/shared';
import { combines, defaultSettings, runEnsembleDistill } from './ensemble-distill';

await runExampleMain(
  {
    name: 'ensemble-distill',
    about: "Ten models differing only by seed, combined three ways (arithmetic, geometric, logits), each distilled into one model: how much of the ensemble's gain it keeps.",
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      members: { type: 'string' },
      width: { type: 'string' },
      'member-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      temperatures: { type: 'string' },
      combines: { type: 'string' },
      ...scheduleOptions,
      ...recipeOptions,
    },
    usage: `  --members <n>          default ${defaultSettings.members}
  --width <units>        hidden units per layer of members and student, default ${defaultSettings.width}
  --member-epochs <n>    default ${defaultSettings.memberEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --temperatures 4,20    the first seed distils each combination at each; the student with the fewest
                         validation errors sets the combination and temperature of every seed; default ${defaultSettings.temperatures.join(',')}
  --combines arithmetic,geometric,logits
                         the combinations the first seed tries; default ${defaultSettings.combines.join(',')}
${recipeUsage(defaultSettings)}
  --schedules early-stop,cosine
                         the students' schedules: the combinations, temperatures and recipes are chosen
                         under the first, then the first seed's validation data chooses among them:
                         early-stop (--patience, --lr-plateau) or cosine (all --student-epochs epochs,
                         the learning rate on half a cosine to 0, the best validation epoch's weights
                         kept; a hard-label model with the student's seed, schedule and augmentation
                         trains too, as a control); default ${defaultSettings.schedules.join(',')}`,
    run: (flags, values, context) =>
      runEnsembleDistill(flags, context, {
        ...defaultSettings,
        ...(values.members !== undefined ? { members: positiveInteger('--members', values.members as string) } : {}),
        ...(values.width !== undefined ? { width: positiveInteger('--width', values.width as string) } : {}),
        ...(values['member-epochs'] !== undefined ? { memberEpochs: positiveInteger('--member-epochs', values['member-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
        ...(values.combines !== undefined ? { combines: nameList('--combines', values.combines as string, combines) } : {}),
        ...scheduleFlags(values),
        ...recipeFlags(values),
      }),
  },
  process.argv.slice(2),
);
