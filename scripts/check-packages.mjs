// Checks every package the way a user receives it: built, linted for publishing (publint
// --strict), free of bundled tfjs, and installed alone from its tarball into an empty folder
// outside the repo, where plain Node ESM and CJS must both import it.
//   node scripts/check-packages.mjs            all packages
//   node scripts/check-packages.mjs losses     only the named ones
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });

const all = readdirSync(join(root, 'packages')).map((dir) => {
  const path = join(root, 'packages', dir);
  return { dir, path, json: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) };
});
const only = process.argv.slice(2);
const selected = only.length ? all.filter((p) => only.includes(p.dir)) : all;
const byName = new Map(all.map((p) => [p.json.name, p]));
const failures = [];
const fail = (pkg, message) => failures.push(`${pkg.json.name}: ${message}`);

console.log(`building ${selected.map((p) => p.json.name).join(', ')} (turbo run build)`);
run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...selected.map((p) => `--filter=${p.json.name}`)]);

// Definitions that exist only inside tfjs's own sources (calls to these functions are fine):
// finding one in a dist means that package bundled tfjs instead of importing its peer.
const tfjsMarkers = [
  'Cannot evaluate flag', // tfjs-core environment
  'function registerKernel(', // tfjs-core kernel registry
  'function loadLayersModel(', // tfjs-layers
  'function getPathToWasmBinary(', // tfjs-backend-wasm
];

for (const pkg of selected) {
  const { messages, pkg: manifest } = await publint({ pkgDir: pkg.path, level: 'suggestion', strict: true });
  for (const message of messages) fail(pkg, `publint ${message.type}: ${formatMessage(message, manifest)}`);
  for (const file of readdirSync(join(pkg.path, 'dist'))) {
    if (!/\.(c?js)$/.test(file)) continue;
    const text = readFileSync(join(pkg.path, 'dist', file), 'utf8');
    const marker = tfjsMarkers.find((m) => text.includes(m));
    if (marker) fail(pkg, `dist/${file} bundles TensorFlow.js (contains '${marker}')`);
  }
}

const internalClosure = (name, seen = new Set()) => {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(byName.get(name).json.dependencies ?? {})) {
    if (byName.has(dep)) internalClosure(dep, seen);
  }
  return seen;
};

const packDir = mkdtempSync(join(tmpdir(), 'kd-pack-'));
const tarballs = new Map();
for (const name of new Set(selected.flatMap((pkg) => [...internalClosure(pkg.json.name)]))) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], byName.get(name).path));
  tarballs.set(name, join(packDir, info.filename));
}

for (const pkg of selected) {
  const name = pkg.json.name;
  const app = mkdtempSync(join(tmpdir(), `kd-install-${pkg.dir}-`));
  try {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'kd-install-check', private: true }));
    const optional = pkg.json.peerDependenciesMeta ?? {};
    const peers = Object.entries(pkg.json.peerDependencies ?? {})
      .filter(([peer]) => !optional[peer]?.optional)
      .map(([peer, range]) => `${peer}@${range}`);
    const locals = [...internalClosure(name)].map((n) => tarballs.get(n));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...locals, ...peers], app);
    mkdirSync(join(app, 'check'));
    writeFileSync(join(app, 'check', 'esm.mjs'), `import * as m from '${name}';\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`);
    writeFileSync(join(app, 'check', 'cjs.cjs'), `const m = require('${name}');\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`);
    const esm = JSON.parse(run('node', ['check/esm.mjs'], app));
    const cjs = JSON.parse(run('node', ['check/cjs.cjs'], app));
    if (esm.length === 0) fail(pkg, 'imports from ESM with no exports');
    if (JSON.stringify(esm) !== JSON.stringify(cjs)) {
      fail(pkg, `ESM exports ${esm.join(',')} differ from CJS exports ${cjs.join(',')}`);
    }
    console.log(`${name}: installs alone; ESM and CJS export ${esm.length} names`);
  } catch (error) {
    fail(pkg, `install/import from its tarball failed: ${error.stderr || error.message}`);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}
rmSync(packDir, { recursive: true, force: true });

if (failures.length) {
  console.error(`\n${failures.length} package check(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log(`package checks passed for ${selected.length} package(s)`);
