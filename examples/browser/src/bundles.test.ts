import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The main entry of every library package must bundle for a browser: nothing in it may import
// Node's built-in modules (the file-backed parts live in `@kd/<name>/node` entries). The page
// itself is bundled the same way by build.ts; this names the package that breaks it.
describe('the packages bundle for a browser', () => {
  it.each(['@kd/core', '@kd/data', '@kd/losses', '@kd/ensemble', '@kd/trainer', '@kd/plots'])('%s', async (name) => {
    const result = await build({
      stdin: { contents: `export * from '${name}';`, resolveDir: import.meta.dirname, loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      // tfjs is a peer that bundles for browsers by itself; leaving it out keeps this fast.
      external: ['@tensorflow/*'],
      conditions: process.env.KD_TEST_DIST === '1' ? [] : ['@kd/source'],
      logLevel: 'silent',
    }).catch((error: { errors?: Array<{ text: string }> }) => ({ failed: (error.errors ?? []).map((e) => e.text) }));
    expect('failed' in result ? result.failed : []).toEqual([]);
  });
});
