// Checks every package the way a user receives it: built, linted for publishing (publint
// --strict), free of bundled tfjs, and installed alone from its tarball into an empty folder
// outside the repo, where plain Node ESM and CJS must both import it. A platform package (one with
// `os`/`cpu` fields, which holds @kd/backend's prebuilt native kernels) must hold the addon and
// every library it loads, and @kd/backend installed from the tarballs must run natively with
// Debian's copies of those libraries and the build tools hidden (when run as root on Linux).
//   node scripts/check-packages.mjs            all packages
//   node scripts/check-packages.mjs losses     only the named ones
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

const isPlatform = (pkg) => Array.isArray(pkg.json.os);
const built = selected.filter((p) => !isPlatform(p));
console.log(`building ${built.map((p) => p.json.name).join(', ')} (turbo run build)`);
run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...built.map((p) => `--filter=${p.json.name}`)]);

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
  if (isPlatform(pkg)) continue;
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
  const json = byName.get(name).json;
  for (const dep of Object.keys({ ...json.dependencies, ...json.optionalDependencies })) {
    if (byName.has(dep)) internalClosure(dep, seen);
  }
  return seen;
};

const packDir = mkdtempSync(join(tmpdir(), 'kd-pack-'));
const tarballs = new Map();
for (const name of new Set(selected.flatMap((pkg) => [...internalClosure(pkg.json.name)]))) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir], byName.get(name).path));
  tarballs.set(name, join(packDir, info.filename));
  const pkg = byName.get(name);
  if (isPlatform(pkg) && selected.includes(pkg)) {
    const files = new Set(info.files.map((f) => f.path));
    const needed = ['kd-backend.node', 'lib/libdnnl.so.2', 'lib/libgomp.so.1', 'lib/libOpenCL.so.1'];
    const absent = needed.filter((f) => !files.has(f));
    if (absent.length) fail(pkg, `tarball lacks ${absent.join(', ')} (npm run build:native)`);
    if (![...files].some((f) => f.startsWith('licenses/'))) fail(pkg, 'tarball has no licenses/');
    console.log(`${name}: tarball holds the addon, its libraries and their licenses (${(info.size / 2 ** 20).toFixed(1)} MiB)`);
  }
}

/**
 * Runs `check/native.mjs` in `app`: @kd/backend's 'auto' must pick its native kernels. As root on
 * Linux, in a private mount namespace where Debian's oneDNN, OpenMP and OpenCL libraries, the
 * oneDNN headers and the compilers are hidden, as on a machine without the build dependencies.
 */
function checkNativeInstall(pkg, app) {
  writeFileSync(
    join(app, 'check', 'native.mjs'),
    `const { useBackend } = await import('@kd/backend');
const info = await useBackend('auto');
const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
const lib = maps.split('\\n').find((l) => l.includes('libdnnl.so'))?.split(/\\s+/).at(-1);
console.log(JSON.stringify({ kind: info.kind, native: info.native, skipped: info.skipped, lib }));
`,
  );
  const hidden = [
    ...readdirSync('/usr/lib/x86_64-linux-gnu')
      .filter((f) => /^lib(dnnl|gomp|OpenCL)\.so/.test(f))
      .map((f) => `/usr/lib/x86_64-linux-gnu/${f}`),
    ...['/usr/bin/gcc', '/usr/bin/g++', '/usr/bin/cc', '/usr/bin/c++', '/usr/bin/make'],
  ].filter((f) => existsSync(f));
  const isolate = process.platform === 'linux' && process.getuid?.() === 0;
  const script = [
    ...hidden.map((f) => `mount --bind /dev/null ${f}`),
    ...(existsSync('/usr/include/oneapi') ? ['mount -t tmpfs none /usr/include/oneapi'] : []),
    'exec node check/native.mjs',
  ].join(' && ');
  const result = isolate
    ? spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { cwd: app, encoding: 'utf8' })
    : spawnSync('node', ['check/native.mjs'], { cwd: app, encoding: 'utf8' });
  if (result.status !== 0) return fail(pkg, `native check failed: ${result.stderr || result.error}`);
  const { kind, native, skipped, lib } = JSON.parse(result.stdout.trim().split('\n').at(-1));
  if (kind !== 'native') return fail(pkg, `useBackend('auto') chose ${kind}: ${JSON.stringify(skipped)}`);
  if (!lib?.startsWith(join(app, 'node_modules/@kd/backend-linux-x64-gnu/lib/'))) {
    return fail(pkg, `oneDNN was loaded from ${lib}, not from the installed platform package`);
  }
  console.log(
    `${pkg.json.name}: installed from tarballs${isolate ? ` with ${hidden.length} system libraries and tools hidden` : ''}, 'auto' runs natively (${native.library} ${native.version}, ${native.isa})`,
  );
}

for (const pkg of selected) {
  if (isPlatform(pkg)) continue;
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
    // Every entry point of the exports map (`.`, and sub-entries such as `./node`), not its JSON files.
    const entries = Object.keys(pkg.json.exports ?? { '.': null })
      .filter((key) => !key.endsWith('.json'))
      .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`));
    const counts = [];
    for (const entry of entries) {
      writeFileSync(join(app, 'check', 'esm.mjs'), `import * as m from '${entry}';\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`);
      writeFileSync(join(app, 'check', 'cjs.cjs'), `const m = require('${entry}');\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`);
      const esm = JSON.parse(run('node', ['check/esm.mjs'], app));
      const cjs = JSON.parse(run('node', ['check/cjs.cjs'], app));
      if (esm.length === 0) fail(pkg, `${entry} imports from ESM with no exports`);
      if (JSON.stringify(esm) !== JSON.stringify(cjs)) {
        fail(pkg, `${entry}: ESM exports ${esm.join(',')} differ from CJS exports ${cjs.join(',')}`);
      }
      counts.push(`${entry} ${esm.length}`);
    }
    console.log(`${name}: installs alone; ESM and CJS export the same names (${counts.join(', ')})`);
    if (pkg.json.optionalDependencies?.['@kd/backend-linux-x64-gnu'] && process.platform === 'linux' && process.arch === 'x64') {
      checkNativeInstall(pkg, app);
    }
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
