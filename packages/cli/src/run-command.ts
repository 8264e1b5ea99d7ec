import type { Command } from './main';

export const runCommand: Command = {
  spec: {
    name: 'run',
    summary: 'run one experiment config and write its run folder',
    description: 'Runs an experiment config (see @kd/trainer).',
    positionals: [{ name: 'experiment.json', description: 'the experiment config' }],
    options: {
      out: { type: 'string', value: 'dir', description: 'the run folder' },
    },
  },
  async run() {
    throw new Error('kd run: waiting for @kd/trainer');
  },
};
