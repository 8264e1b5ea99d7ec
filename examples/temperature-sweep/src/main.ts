import { fileURLToPath } from 'node:url';
import { numberList, positiveInteger, runExampleMain } from '@kd-examples/shared';
import { defaultSettings, runTemperatureSweep } from './temperature-sweep';

await runExampleMain(
  {
    name: 'temperature-sweep',
    about: 'Students of several widths distilled from one teacher at a range of temperatures (paper section 3): which T works best for which width.',
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      widths: { type: 'string' },
      temperatures: { type: 'string' },
      'teacher-epochs': { type: 'string' },
      'student-epochs': { type: 'string' },
    },
    usage: `  --widths 800,300,30          student hidden units per layer, default ${defaultSettings.widths.join(',')}
  --temperatures 1,2,4,...     default ${defaultSettings.temperatures.join(',')}
  --teacher-epochs <n>         default ${defaultSettings.teacherEpochs}
  --student-epochs <n>         default ${defaultSettings.studentEpochs}`,
    run: (flags, values, context) =>
      runTemperatureSweep(flags, context, {
        ...defaultSettings,
        ...(values.widths !== undefined ? { widths: numberList('--widths', values.widths as string).map((w) => positiveInteger('--widths', String(w))) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
        ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
      }),
  },
  process.argv.slice(2),
);
