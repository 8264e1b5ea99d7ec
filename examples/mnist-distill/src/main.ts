import { fileURLToPath } from 'node:url';
import { commonUsage, createRunContext, numberList, parseFlags, positiveInteger, setupBackend } from '@kd-examples/shared';
import { defaultSettings, runMnistDistill } from './mnist-distill';

const argv = process.argv.slice(2);
const { flags, values, help } = parseFlags(argv, { seeds: [0] }, {
  'teacher-epochs': { type: 'string' },
  'student-epochs': { type: 'string' },
  temperatures: { type: 'string' },
});
if (help) {
  console.log(`npm start -w examples/mnist-distill -- [options]

The paper's MNIST experiment: teacher, hard-label student, student distilled at each temperature.

${commonUsage}
  --teacher-epochs <n>   default ${defaultSettings.teacherEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --temperatures 20,4    distillation temperatures, default ${defaultSettings.temperatures.join(',')}`);
  process.exit(0);
}
const settings = {
  ...defaultSettings,
  ...(values['teacher-epochs'] !== undefined ? { teacherEpochs: positiveInteger('--teacher-epochs', values['teacher-epochs'] as string) } : {}),
  ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
  ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
};
const backend = await setupBackend();
const context = createRunContext('mnist-distill', argv, flags, backend, fileURLToPath(new URL('..', import.meta.url)));
const result = await runMnistDistill(flags, context, settings);
console.log(`\nwrote ${result.files.join('\n      ')}`);
