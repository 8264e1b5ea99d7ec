import { fileURLToPath } from 'node:url';
import { integerList, nameList, numberList, positiveInteger, runExampleMain, scheduleNames } from '@kd-examples/shared';
import { defaultSettings, runMnistDistill } from './mnist-distill';

await runExampleMain(
  {
    name: 'mnist-distill',
    about: "The paper's MNIST experiment (section 3): a dropout teacher, a hard-label student and the same student distilled at each temperature.",
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      'teacher-jitter': { type: 'string' },
      'teacher-dropout': { type: 'string' },
      'teacher-schedules': { type: 'string' },
      'teacher-mixup': { type: 'string' },
      temperatures: { type: 'string' },
    },
    usage: `  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --teacher-jitter 0,1,2 the teacher's training images shift by up to this many pixels (0: none); with several,
                         the first seed trains one teacher each and keeps the one with the fewest validation
                         errors for every seed; default ${defaultSettings.teacherJitters.join(',')}
  --teacher-dropout 0.5,0.3
                         the teacher's dropout on hidden units; with several, chosen after the jitter on the
                         first seed's validation errors; default ${defaultSettings.teacherDropouts.join(',')}
  --teacher-schedules early-stop,cosine
                         the teacher early-stopped or all --teacher-epochs on a cosine; with both, chosen after
                         the dropout; default ${defaultSettings.teacherSchedules.join(',')}
  --teacher-mixup 0,0.2  mixup's alpha on the teacher's batches (0: none); with several, chosen last;
                         default ${defaultSettings.teacherMixups.join(',')}
  --temperatures 20,4    distillation temperatures; with several, the first seed distils at each and the one
                         with the fewest validation errors is used for every seed; default ${defaultSettings.temperatures.join(',')}`,
    run: (flags, values, context) =>
      runMnistDistill(flags, context, {
        ...defaultSettings,
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['teacher-jitter'] !== undefined ? { teacherJitters: integerList('--teacher-jitter', values['teacher-jitter'] as string) } : {}),
        ...(values['teacher-dropout'] !== undefined ? { teacherDropouts: numberList('--teacher-dropout', values['teacher-dropout'] as string) } : {}),
        ...(values['teacher-schedules'] !== undefined ? { teacherSchedules: nameList('--teacher-schedules', values['teacher-schedules'] as string, scheduleNames) } : {}),
        ...(values['teacher-mixup'] !== undefined ? { teacherMixups: numberList('--teacher-mixup', values['teacher-mixup'] as string, { zero: true }) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
      }),
  },
  process.argv.slice(2),
);
