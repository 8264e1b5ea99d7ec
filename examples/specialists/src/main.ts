import { fileURLToPath } from 'node:url';
import { positiveInteger, runExampleMain } from '@kd-examples/shared';
import { defaultSettings, runSpecialists } from './specialists';

await runExampleMain(
  {
    name: 'specialists',
    about: "A generalist plus specialists on the classes it confuses (paper section 5): try it on Fashion-MNIST with --data /usr/share/datasets/fashion-mnist.",
    exampleDir: fileURLToPath(new URL('..', import.meta.url)),
    options: {
      width: { type: 'string' },
      clusters: { type: 'string' },
      'generalist-epochs': { type: 'string' },
      'specialist-epochs': { type: 'string' },
    },
    usage: `  --width <units>           generalist hidden units per layer, default ${defaultSettings.width}
  --clusters <k>            default ${defaultSettings.clusters}
  --generalist-epochs <n>   default ${defaultSettings.generalistEpochs}
  --specialist-epochs <n>   default ${defaultSettings.specialistEpochs}`,
    run: (flags, values, context) =>
      runSpecialists(flags, context, {
        ...defaultSettings,
        ...(values.width !== undefined ? { width: positiveInteger('--width', values.width as string) } : {}),
        ...(values.clusters !== undefined ? { clusters: positiveInteger('--clusters', values.clusters as string) } : {}),
        ...(values['generalist-epochs'] !== undefined ? { generalistEpochs: positiveInteger('--generalist-epochs', values['generalist-epochs'] as string) } : {}),
        ...(values['specialist-epochs'] !== undefined ? { specialistEpochs: positiveInteger('--specialist-epochs', values['specialist-epochs'] as string) } : {}),
      }),
  },
  process.argv.slice(2),
);
