// Builds the page into a folder: the bundled script, the HTML, tfjs's WebAssembly binaries and
// the digits. `npm run build` writes dist/; the test builds into a temporary folder.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { loadMnistDigits } from '@kd/data';
import { encodeDigits } from './digits-file';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** Where `npm run build` and `npm start` put the page. */
export const defaultOutDir = join(exampleDir, 'dist');

/** Builds the page into `outDir` (emptied first) and returns `outDir`. */
export async function buildPage(outDir: string = defaultOutDir): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'wasm'), { recursive: true });
  await build({
    entryPoints: [join(exampleDir, 'src', 'main.ts'), join(exampleDir, 'src', 'wasm-package.ts')],
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    // One shared chunk holds tfjs and the wasm backend, so both entry points use the same copy.
    splitting: true,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    // Node's built-in modules: @kd/backend imports them (dynamically) only when it runs in Node.
    // Its built dist/ names them without the `node:` prefix.
    external: ['node:*', ...builtinModules],
    // Like the tests: the @kd packages' sources, or their built dist/ with KD_TEST_DIST=1.
    conditions: process.env.KD_TEST_DIST === '1' ? [] : ['@kd/source'],
    logLevel: 'warning',
  });
  copyFileSync(join(exampleDir, 'index.html'), join(outDir, 'index.html'));
  const require = createRequire(import.meta.url);
  const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const file of readdirSync(wasmDist).filter((name) => name.endsWith('.wasm'))) {
    copyFileSync(join(wasmDist, file), join(outDir, 'wasm', file));
  }
  // The same seeded 8,000 / 2,000 split as every kd example that uses these digits.
  const { train, test } = await loadMnistDigits({ seed: 0 });
  writeFileSync(join(outDir, 'digits.bin'), encodeDigits({ train, test }));
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const outDir = await buildPage();
  console.log(`built ${outDir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
