// Generates experiment.schema.json, the JSON Schema of experiment configs, from the valibot schema
// that is their one source of truth (src/experiment-config.ts). A test checks the committed file
// against it; after changing the schema, run: npm run schema -w packages/cli
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toJsonSchema } from '@valibot/to-json-schema';
import { experimentConfigSchema } from '../src/experiment-config';

/** Where the schema is published: the package's root, `@kd/cli/experiment.schema.json`. */
export const schemaPath = fileURLToPath(new URL('../experiment.schema.json', import.meta.url));

/** The JSON Schema document, as its file holds it. */
export function experimentJsonSchema(): string {
  // JSON numbers are finite, so `finite` has nothing to say in JSON Schema.
  const schema = toJsonSchema(experimentConfigSchema, { ignoreActions: ['finite'] });
  return `${JSON.stringify({ ...schema, title: 'kd experiment config' }, null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(schemaPath, experimentJsonSchema());
  console.log(`wrote ${schemaPath}`);
}
