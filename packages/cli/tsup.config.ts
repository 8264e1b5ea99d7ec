import type { Options } from 'tsup';
import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// The shared build plus a second entry for the `kd` binary. Declarations only describe the
// library entry: the binary has no importable API.
const shared = base as Options;

export default defineConfig({
  ...shared,
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
});
