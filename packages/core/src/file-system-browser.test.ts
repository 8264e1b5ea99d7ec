import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fileSystem } from '@kd/core/node';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const chromium = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const dist = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);

const page = (input: number[][]) => `<!doctype html><meta charset="utf-8"><body>
<script src="/tf-core.js"></script><script src="/tf-backend-cpu.js"></script><script src="/tf-layers.js"></script>
<script>
(async () => {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel('/model/model.json');
  const out = Array.from(await model.predict(tf.tensor2d(${JSON.stringify(input)})).data());
  await fetch('/done', { method: 'POST', body: JSON.stringify({ out }) });
})().catch((e) => fetch('/done', { method: 'POST', body: JSON.stringify({ error: String(e) }) }));
</script>`;

// Only where Debian's chromium is installed (it is on the project's machines and CI).
describe.runIf(existsSync(chromium))('fileSystem in a browser', () => {
  it('saves a folder that a browser loads as-is with tf.loadLayersModel(url)', async () => {
    await tf.setBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'kd-browser-'));
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [3], units: 4, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
        tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }),
      ],
    });
    await model.save(fileSystem(join(dir, 'model')));
    const input = [[0.5, -1, 2], [1, 1, 1]];
    const expected = tf.tidy(() => Array.from((model.predict(tf.tensor2d(input)) as tf.Tensor).dataSync()));
    model.dispose();

    const files: Record<string, string> = {
      '/tf-core.js': dist('@tensorflow/tfjs-core', 'tf-core.min.js'),
      '/tf-backend-cpu.js': dist('@tensorflow/tfjs-backend-cpu', 'tf-backend-cpu.min.js'),
      '/tf-layers.js': dist('@tensorflow/tfjs-layers', 'tf-layers.min.js'),
      '/model/model.json': join(dir, 'model', 'model.json'),
      '/model/weights.bin': join(dir, 'model', 'weights.bin'),
    };
    const events = new EventEmitter();
    const done = once(events, 'done');
    const server = createServer(async (req, res) => {
      if (req.url === '/done') {
        let body = '';
        for await (const chunk of req) body += chunk;
        res.end();
        events.emit('done', body);
        return;
      }
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end(page(input));
        return;
      }
      const file = files[req.url ?? ''];
      if (!file) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', req.url!.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
      res.end(await readFile(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const browser = spawn(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        `http://127.0.0.1:${port}/`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const [body] = (await done) as [string];
      const result = JSON.parse(body) as { out?: number[]; error?: string };
      expect(result.error).toBeUndefined();
      result.out!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    } finally {
      const exited = new Promise((resolve) => browser.once('exit', resolve));
      browser.kill();
      await exited;
      server.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    }
  });
});
