import { createProgressBar, formatProgress } from '@kd/trainer';
import { describe, expect, it } from 'vitest';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
}

describe('createProgressBar', () => {
  it('writes nothing when the stream is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar({ total: 3, stream });
    bar.update(1, { loss: 1 });
    bar.update(3, { loss: 0.5 });
    bar.done();
    expect(writes).toEqual([]);
  });

  it('redraws in place on a terminal, throttled, and always draws the last step', () => {
    const { writes, stream } = fakeStream(true);
    let t = 0;
    const bar = createProgressBar({ total: 4, stream, label: 'epoch 1/2', intervalMs: 100, now: () => t });
    t = 50;
    bar.update(1, { loss: 2.5 });
    t = 60;
    bar.update(2, { loss: 2 });
    t = 200;
    bar.update(4, { loss: 1.25, accuracy: 0.9 });
    bar.done();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\repoch 1\/2 \[=====\s+\] 1\/4 20\.0 steps\/s ETA 0s loss 2\.5000/);
    expect(writes[1]).toMatch(/^\repoch 1\/2 \[====================\] 4\/4 20\.0 steps\/s ETA 0s loss 1\.2500 accuracy 0\.9000/);
    expect(writes[2]).toBe('\n');
  });

  it('shows steps/s and the ETA from the elapsed time', () => {
    const line = formatProgress({ step: 100, total: 1000, elapsedMs: 10_000, values: {}, label: '', columns: 200 });
    expect(line).toMatch(/100\/1000 10\.0 steps\/s ETA 1m30s/);
    expect(formatProgress({ step: 1, total: 2, elapsedMs: 1, values: {}, label: 'x'.repeat(50), columns: 20 })).toHaveLength(19);
  });

  it('rejects a bad total', () => {
    expect(() => createProgressBar({ total: 0, stream: fakeStream(true).stream })).toThrow(
      /'total' passed to 'createProgressBar' must be an integer >= 1, got 0/,
    );
  });
});
