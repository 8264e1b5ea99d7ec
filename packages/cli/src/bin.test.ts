import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repository = resolve(packageDir, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8')) as { version: string; bin: { kd: string } };

describe('the kd binary in a clone of the repository', () => {
  it('is a file of the repository, not of a build, so npm links it at install', () => {
    const bin = resolve(packageDir, manifest.bin.kd);
    expect(execFileSync('git', ['ls-files', '--error-unmatch', bin], { cwd: repository, encoding: 'utf8' }).trim()).toBe('packages/cli/bin/kd.js');
  });

  it('runs the sources without a build, and npx finds it instead of offering to install another package', () => {
    const direct = spawnSync(process.execPath, [resolve(packageDir, manifest.bin.kd), '--version'], { encoding: 'utf8' });
    expect(direct.stderr).toBe('');
    expect(direct.stdout).toBe(`${manifest.version}\n`);
    const npx = spawnSync('npx', ['--no', '--', 'kd', '--version'], { cwd: repository, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'false' } });
    expect(npx.stdout).toBe(`${manifest.version}\n`);
  });
});
