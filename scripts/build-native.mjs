// Builds @kd/backend's native kernels from Debian's packages and fills the platform package
// packages/backend-linux-x64-gnu with the addon and every library it loads, so that installing
// that package's tarball is all a Linux x64 machine needs.
//
//   node scripts/build-native.mjs               build (skipped when the sources have not changed)
//   node scripts/build-native.mjs --if-possible as above, but only say why when the build inputs
//                                               are missing (how `npm ci` in a clone runs it)
//
// Needs: Debian's libdnnl-dev (oneDNN 2.6), build-essential and python3 (node-gyp), and Node's
// own headers in <node prefix>/include/node (node-gyp is pointed there, so it never downloads
// them). Nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const sources = join(root, 'packages/backend/native');
const target = join(root, 'packages/backend-linux-x64-gnu');
const addon = join(target, 'kd-backend.node');
const stamp = join(target, '.build-stamp');
const ifPossible = process.argv.includes('--if-possible');
const nodedir = dirname(dirname(process.execPath));

/** The libraries the addon loads that are not part of every glibc system, by soname. */
const bundled = ['libdnnl.so.2', 'libgomp.so.1', 'libOpenCL.so.1'];

function missing(reason) {
  const message = `native kernels not built: ${reason}`;
  if (ifPossible && process.env.CI !== 'true') {
    console.warn(`${message}\n(useBackend('auto') will use WebAssembly; the 'native' test suites run only where the addon loads)`);
    process.exit(0);
  }
  console.error(message);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  missing(`this script builds for Linux x64, this is ${process.platform}-${process.arch} (see @kd/backend's README)`);
}
if (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp')) {
  missing('oneDNN headers not found: install Debian\'s libdnnl-dev (apt-get install libdnnl-dev)');
}
if (!existsSync(join(nodedir, 'include/node/node_api.h'))) {
  missing(`Node's headers are not in ${nodedir}/include/node (node-gyp would download them)`);
}

const hash = createHash('sha256');
for (const file of ['binding.gyp', ...readdirSync(join(sources, 'src')).map((f) => `src/${f}`)].sort()) {
  hash.update(file).update(readFileSync(join(sources, file)));
}
hash.update(readFileSync('/usr/include/oneapi/dnnl/dnnl_version.h'));
const digest = hash.digest('hex');
const complete = existsSync(addon) && bundled.every((lib) => existsSync(join(target, 'lib', lib)));
if (complete && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.error('native kernels up to date');
  process.exit(0);
}

console.error('building native kernels (node-gyp, oneDNN from libdnnl-dev)');
execFileSync(
  process.execPath,
  [join(root, 'node_modules/node-gyp/bin/node-gyp.js'), 'rebuild', `--nodedir=${nodedir}`, '-j', String(availableParallelism()), '--loglevel=warn'],
  { cwd: sources, stdio: ['ignore', 2, 2] }, // stdout stays clean for `npm pack --json`
);

rmSync(join(target, 'lib'), { recursive: true, force: true });
rmSync(join(target, 'licenses'), { recursive: true, force: true });
mkdirSync(join(target, 'lib'));
mkdirSync(join(target, 'licenses'));
// A new file renamed over the old one: a process that has the old addon loaded keeps running it
// (copying over it in place rewrites the code that process runs, and it crashes).
copyFileSync(join(sources, 'build/Release/kd_backend.node'), `${addon}.tmp`);
renameSync(`${addon}.tmp`, addon);

// Where the system resolves each bundled library now (libdnnl's own dependencies included).
const resolved = new Map();
for (const object of [addon, '/usr/lib/x86_64-linux-gnu/libdnnl.so.2']) {
  for (const line of execFileSync('ldd', [object], { encoding: 'utf8' }).split('\n')) {
    const match = /^\s*(\S+) => (\/\S+)/.exec(line);
    if (match && bundled.includes(match[1])) resolved.set(match[1], match[2]);
  }
}
for (const soname of bundled) {
  const path = resolved.get(soname);
  if (!path) missing(`could not find ${soname} (ldd)`);
  copyFileSync(realpathSync(path), join(target, 'lib', soname));
  const owner = execFileSync('dpkg', ['-S', realpathSync(path)], { encoding: 'utf8' }).split(':')[0];
  copyFileSync(`/usr/share/doc/${owner}/copyright`, join(target, 'licenses', `${owner}.copyright`));
}

// The addon must load from the package alone, with its libraries from ./lib.
const info = execFileSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(addon)}).info()))`], {
  encoding: 'utf8',
  env: { PATH: process.env.PATH },
});
const maps = execFileSync(
  process.execPath,
  ['-e', `require(${JSON.stringify(addon)}); console.log(require('fs').readFileSync('/proc/self/maps', 'utf8'))`],
  { encoding: 'utf8', env: { PATH: process.env.PATH } },
);
for (const soname of bundled) {
  if (!maps.includes(join(target, 'lib', soname))) missing(`the addon loaded ${soname} from outside ${basename(target)}/lib`);
}
writeFileSync(stamp, digest);
console.error(`native kernels built into ${target}: ${info.trim()}`);
