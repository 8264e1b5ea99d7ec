import { fileURLToPath } from 'node:url';
import { integerList, positiveInteger, numberList, runExampleMain } from '@kd-examples/shared';
import { defaultSettings, runOmittedClass } from './omitted-class';

await runExampleMain(
  {
    name: 'omitted-class',
    about: 'A student distilled on a transfer set without one class, before and after the bias fix chosen on validation data (paper section 3).',
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      omit: { type: 'string' },
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
      'teacher-jitter': { type: 'string' },
      'teacher-dropout': { type: 'string' },
      temperature: { type: 'string' },
    },
    usage: `  --omit <class>         the class left out of the transfer set, default ${defaultSettings.omit}
  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --teacher-jitter 0,1,2 the teacher's training images shift by up to this many pixels (0: none); with several,
                         the one with the fewest validation errors on the first seed; default ${defaultSettings.teacherJitters.join(',')}
  --teacher-dropout 0.5,0.3
                         the teacher's hidden dropout, chosen after the jitter; default ${defaultSettings.teacherDropouts.join(',')}
  --temperature <T>      default ${defaultSettings.temperature}`,
    run: (flags, values, context) =>
      runOmittedClass(flags, context, {
        ...defaultSettings,
        ...(values.omit !== undefined ? { omit: integerList('--omit', values.omit as string)[0]! } : {}),
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['teacher-dropout'] !== undefined ? { teacherDropouts: numberList('--teacher-dropout', values['teacher-dropout'] as string) } : {}),
        ...(values['teacher-jitter'] !== undefined ? { teacherJitters: integerList('--teacher-jitter', values['teacher-jitter'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values.temperature !== undefined ? { temperature: numberList('--temperature', values.temperature as string)[0]! } : {}),
      }),
  },
  process.argv.slice(2),
);
