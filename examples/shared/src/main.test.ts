import { afterEach, describe, expect, it, vi } from 'vitest';
import { positiveInteger } from './flags';
import { runExampleMain } from './main';

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('runExampleMain', () => {
  it("prints a bad flag that the example's run refuses on one line and exits with code 2", async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    let runs = 0;
    const run = async (_flags: unknown, values: Record<string, string | boolean | undefined>) => {
      runs++;
      return { files: [String(positiveInteger('--width', values.width as string))] };
    };
    await runExampleMain({ name: 'demo', about: 'a test', exampleDir: '.', options: { width: { type: 'string' } }, run }, ['--width', '0', '--out', '/nonexistent']);
    expect(runs).toBe(1);
    expect(errors).toHaveBeenCalledWith("demo: --width must be an integer >= 1, got '0' (see --help)");
    expect(process.exitCode).toBe(2);
  });

  it('lets any other error through, with its stack', async () => {
    const failure = new Error('out of memory');
    await expect(runExampleMain({ name: 'demo', about: 'a test', exampleDir: '.', run: () => Promise.reject(failure) }, [])).rejects.toBe(failure);
    expect(process.exitCode).toBeUndefined();
  });
});
