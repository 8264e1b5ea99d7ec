import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `KD_TEST_DIST=1` runs the same tests against each package's built `dist/` instead of `src/`:
// tests import packages by name, so only the export condition decides which one they get.
const conditions = process.env.KD_TEST_DIST === '1' ? [] : ['@kd/source'];

const workspaces = ['packages', 'examples'].flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(`${dir}/${entry.name}/package.json`))
        .map((entry) => `${dir}/${entry.name}`)
    : [],
);

const setup = fileURLToPath(new URL('./test/setup.ts', import.meta.url));

export default defineConfig({
  resolve: { conditions: [...conditions, ...defaultServerConditions] },
  ssr: { resolve: { conditions: [...conditions, ...defaultServerConditions] } },
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      ...workspaces.map((root) => ({
        extends: true,
        test: { name: root.split('/')[1], root, setupFiles: [setup] },
      })),
      // The native kernels again with their instruction sets capped, so that the code an older
      // x86-64 CPU runs is tested too, not only this machine's best.
      ...['avx2', 'baseline'].map((isa) => ({
        extends: true,
        test: {
          name: `backend-${isa}`,
          root: 'packages/backend',
          setupFiles: [setup],
          include: ['src/native-kernels.test.ts', 'src/training-step.test.ts'],
          env: { KD_NATIVE_MAX_ISA: isa },
        },
      })),
    ],
  },
});
