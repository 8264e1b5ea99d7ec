#!/usr/bin/env node
// The `kd` command. Installed from npm, it runs the built dist/cli.js. In a clone of the
// repository, where npm links this file before anything is built, it runs the TypeScript sources
// through tsx, as the tests do: `npx kd` works right after `npm ci` and never runs a stale build.
// The package's tsconfig.json, which is never published, tells the two apart.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function ignore() {}

const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
if (existsSync(fileURLToPath(new URL('../tsconfig.json', import.meta.url))) && existsSync(source)) {
  const child = spawn(
    process.execPath,
    ['--conditions=@kd/source', '--import', import.meta.resolve('tsx'), source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches the child too (same process group); it decides how to stop, and we follow it.
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.off('SIGINT', ignore);
      process.kill(process.pid, signal);
    } else {
      process.exitCode = code ?? 1;
    }
  });
} else {
  await import('../dist/cli.js');
}
