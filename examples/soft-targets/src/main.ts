import { fileURLToPath } from 'node:url';
import { integerList, numberList, positiveInteger, recipeFlags, recipeOptions, recipeUsage, runExampleMain, scheduleFlags, scheduleOptions } from '@kd-examples/shared';
import { defaultSettings, runSoftTargets } from './soft-targets';

await runExampleMain(
  {
    name: 'soft-targets',
    about: "The paper's section 6: soft targets as a regulariser, on 3 % of the training set.",
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      fraction: { type: 'string' },
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      'teacher-jitter': { type: 'string' },
      'teacher-dropout': { type: 'string' },
      temperatures: { type: 'string' },
      ...scheduleOptions,
      ...recipeOptions,
    },
    usage: `  --fraction <f>         the share of the training set the small students see, default ${defaultSettings.fraction}
  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --teacher-jitter 0,1,2 the teacher's jitter (pixels); with several, the first seed keeps the teacher with the
                         fewest validation errors (mnist-distill's very teachers); default ${defaultSettings.teacherJitters.join(',')}
  --teacher-dropout 0.5,0.3
                         the teacher's hidden dropout, chosen after the jitter; default ${defaultSettings.teacherDropouts.join(',')}
  --temperatures 2,4,8   candidate temperatures of the soft-target student, chosen on the first seed's
                         validation data; default ${defaultSettings.temperatures.join(',')}
${recipeUsage(defaultSettings)}
  --schedules early-stop,cosine
                         how the students on the small share train, chosen last on the first seed's
                         validation data (the soft-target student's at the chosen temperature and
                         recipe; the hard-label student's on its own): early-stop (--patience,
                         --lr-plateau) or cosine (all --student-epochs epochs, the learning rate on
                         half a cosine to 0, the best validation epoch's weights kept); default ${defaultSettings.schedules.join(',')}`,
    run: (flags, values, context) =>
      runSoftTargets(flags, context, {
        ...defaultSettings,
        ...(values.fraction !== undefined ? { fraction: numberList('--fraction', values.fraction as string)[0]! } : {}),
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values['teacher-jitter'] !== undefined ? { teacherJitters: integerList('--teacher-jitter', values['teacher-jitter'] as string) } : {}),
        ...(values['teacher-dropout'] !== undefined ? { teacherDropouts: numberList('--teacher-dropout', values['teacher-dropout'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
        ...scheduleFlags(values),
        ...recipeFlags(values),
      }),
  },
  process.argv.slice(2),
);
