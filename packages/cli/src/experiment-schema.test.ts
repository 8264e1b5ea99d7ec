import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateExperimentConfig } from '@kd/cli';
import { describe, expect, it } from 'vitest';
import { experimentJsonSchema, schemaPath } from '../scripts/experiment-json-schema';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The JSON code blocks of a README that name a `$schema`: the example configs. */
function exampleConfigs(readme: string): Array<Record<string, unknown>> {
  const text = readFileSync(join(repository, readme), 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>).filter((c) => '$schema' in c);
}

describe('experiment.schema.json', () => {
  it('is generated from the one schema of experiment configs (npm run schema -w packages/cli)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(experimentJsonSchema());
  });

  it.each(['README.md', 'packages/cli/README.md'])('is what the example config of %s points at, and that config is valid', (readme) => {
    const configs = exampleConfigs(readme);
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      expect(config.$schema).toBe('./node_modules/@kd/cli/experiment.schema.json');
      expect(validateExperimentConfig(config)).toEqual([]);
    }
  });
});
