import { fileURLToPath } from 'node:url';
import { numberList, positiveInteger, runExampleMain } from '@kd-examples/shared';
import { defaultSettings, runEnsembleDistill } from './ensemble-distill';

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
    },
    usage: `  --members <n>          default ${defaultSettings.members}
  --width <units>        hidden units per layer of members and student, default ${defaultSettings.width}
  --member-epochs <n>    default ${defaultSettings.memberEpochs}
  --student-epochs <n>   default ${defaultSettings.studentEpochs}
  --temperatures 4,20    each combination is distilled at each; its student is chosen on validation errors, default ${defaultSettings.temperatures.join(',')}`,
    run: (flags, values, context) =>
      runEnsembleDistill(flags, context, {
        ...defaultSettings,
        ...(values.members !== undefined ? { members: positiveInteger('--members', values.members as string) } : {}),
        ...(values.width !== undefined ? { width: positiveInteger('--width', values.width as string) } : {}),
        ...(values['member-epochs'] !== undefined ? { memberEpochs: positiveInteger('--member-epochs', values['member-epochs'] as string) } : {}),
        ...(values['student-epochs'] !== undefined ? { studentEpochs: positiveInteger('--student-epochs', values['student-epochs'] as string) } : {}),
        ...(values.temperatures !== undefined ? { temperatures: numberList('--temperatures', values.temperatures as string) } : {}),
      }),
  },
  process.argv.slice(2),
);
