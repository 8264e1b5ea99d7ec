import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { machineInfo, mergeSeedResults, provenance, recordedChoice, runSeeds } from './results';
import type { ExampleData } from './data';
import type { RunContext } from './results';

interface Seed {
  seed: number;
  temperature: number;
}

const pickTemperature = (r: Seed) => r.temperature;

describe('seed results of separate runs', () => {
  let context: RunContext;
  const settings = { temperatures: [2, 4] };
  const record = (seed: number, temperature: number, recordSettings: object = settings, command = `run of seed ${seed}`) =>
    writeFile(join(context.out, `fashion-mnist-seed${seed}.json`), JSON.stringify({ seed, temperature, settings: recordSettings, command }));

  beforeEach(async () => {
    const out = await mkdtemp(join(tmpdir(), 'kd-results-'));
    context = { example: 'test', command: 'this run', backend: { kind: 'cpu', name: 'cpu', threads: 1, simd: false, accelerated: false }, machine: machineInfo(), out, summaryOnly: false };
  });
  afterEach(() => rm(context.out, { recursive: true, force: true }));

  it("reuses the choice recorded for a seed below this run's seeds, the lowest one", async () => {
    await record(0, 4);
    await record(1, 2);
    expect(await recordedChoice(context, 'fashion-mnist', settings, [2, 3], pickTemperature)).toBe(4);
    expect(await recordedChoice(context, 'fashion-mnist', settings, [1], pickTemperature)).toBe(4);
  });

  it('chooses again when this run holds the lowest seed, or the record has other settings or data', async () => {
    await record(1, 4);
    await record(0, 8, { temperatures: [8] });
    expect(await recordedChoice(context, 'fashion-mnist', settings, [0, 2], pickTemperature)).toBeNull();
    expect(await recordedChoice(context, 'fashion-mnist', settings, [1, 2], pickTemperature)).toBeNull();
    expect(await recordedChoice(context, 'mnist-digits', settings, [2], pickTemperature)).toBeNull();
    expect(await recordedChoice(context, 'fashion-mnist', settings, [], pickTemperature)).toBeNull();
  });

  it('merges recorded seeds of the same settings with this run, this run winning', async () => {
    await record(0, 4);
    await record(1, 2);
    await record(2, 8, { temperatures: [8] });
    const merged = await mergeSeedResults<Seed>(context, 'fashion-mnist', settings, [{ seed: 1, temperature: 4 }]);
    expect(merged.seeds.map((s) => [s.seed, s.temperature])).toEqual([
      [0, 4],
      [1, 4],
    ]);
    expect(merged.commands).toEqual(['run of seed 0', 'this run']);
  });

  it('runs each seed, writes its results with the settings, and summarises after every seed with the recorded seeds', async () => {
    await record(0, 2);
    const data = { name: 'fashion-mnist', source: 'test', train: { size: 3 }, validation: { size: 2 }, test: { size: 1 } } as unknown as ExampleData;
    const summaries: number[][] = [];
    const summarize = async (merged: { seeds: Seed[]; commands: string[] }) => {
      summaries.push(merged.seeds.map((r) => r.seed));
      return { text: `${merged.seeds.length} seeds`, files: [`summary of ${merged.seeds.length}`] };
    };
    const run = await runSeeds({ seeds: [1, 2], summaryOnly: false }, context, data, settings, { paper: 'p' }, async (seed) => ({ seed, temperature: 4 }), summarize);
    expect(run.seeds).toEqual([
      { seed: 1, temperature: 4 },
      { seed: 2, temperature: 4 },
    ]);
    expect(summaries).toEqual([
      [0, 1],
      [0, 1, 2],
    ]);
    expect(run.files).toEqual([join(context.out, 'fashion-mnist-seed1.json'), join(context.out, 'fashion-mnist-seed2.json'), 'summary of 3']);
    expect(run.summary.text).toBe('3 seeds');
    const written = JSON.parse(await readFile(join(context.out, 'fashion-mnist-seed2.json'), 'utf8'));
    expect([written.seed, written.temperature, written.paper, written.settings, written.command]).toEqual([2, 4, 'p', settings, 'this run']);

    // --summary-only: no seed is run, the recorded ones are summarised once.
    summaries.length = 0;
    const again = await runSeeds({ seeds: [5], summaryOnly: true }, context, data, settings, {}, () => Promise.reject(new Error('no seed runs')), summarize);
    expect([again.seeds, summaries, again.files]).toEqual([[], [[0, 1, 2]], ['summary of 3']]);
  });

  it("states the run's backend, machine and wall time, or, for a --summary-only run that trained nothing, where each seed's are", () => {
    const data = { source: 'IDX files', train: { size: 3 }, validation: { size: 2 }, test: { size: 1 } } as unknown as ExampleData;
    expect(provenance(context, data, [0], 90)).toMatch(/^- wall time of the run that wrote this summary: 1\.5 min /m);
    const summary = provenance({ ...context, summaryOnly: true }, data, [0, 1], 0);
    expect(summary).not.toMatch(/wall time of the run|^- backend|^- machine/m);
    expect(summary).toMatch(/^- written by a `--summary-only` run from the seed files, which trained nothing: the backend, machine and wall time of each seed's run are in its seed file$/m);
  });
});
