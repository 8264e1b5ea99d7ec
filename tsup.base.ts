import { defineConfig } from 'tsup';

/**
 * The one build every package shares: ESM + CJS + declarations from `src/index.ts`.
 * tsup leaves `dependencies` and `peerDependencies` external, so tfjs is never bundled;
 * `scripts/check-packages.mjs` verifies that on the output.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
});
