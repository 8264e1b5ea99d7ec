import type { Command } from './main';

export const evalCommand: Command = {
  spec: {
    name: 'eval',
    summary: 'evaluate a saved model on a data set',
    description: 'Evaluates a saved model.',
    positionals: [{ name: 'model', description: 'a model folder (model.json + weights.bin)' }],
    options: {
      data: { type: 'string', value: 'spec', description: 'the data set' },
    },
  },
  async run() {
    throw new Error('kd eval: waiting for @kd/trainer');
  },
};
