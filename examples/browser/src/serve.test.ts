import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from './serve';
import type { PageServer } from './serve';

/** A GET of a raw path (no URL normalisation on our side), resolved with status, headers, body. */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    request({ hostname, port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('servePage', () => {
  const root = mkdtempSync(join(tmpdir(), 'kd-serve-'));
  let server: PageServer;

  beforeAll(async () => {
    mkdirSync(join(root, 'page', 'wasm'), { recursive: true });
    writeFileSync(join(root, 'page', 'index.html'), '<p>hi</p>');
    writeFileSync(join(root, 'page', 'wasm', 'a.wasm'), 'wasm');
    writeFileSync(join(root, 'secret.js'), 'secret');
    server = await servePage(join(root, 'page'));
  });

  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on loopback and serves index.html for / with cross-origin isolation headers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toBe('<p>hi</p>');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    expect((await get(server.url, '/wasm/a.wasm')).headers['content-type']).toBe('application/wasm');
  });

  it('answers HEAD with the headers only and other methods with 405', async () => {
    const head = await get(server.url, '/index.html', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '', headers: { 'content-length': '9' } });
    expect((await get(server.url, '/index.html', 'POST')).status).toBe(405);
  });

  it.each(['/missing.js', '/../secret.js', '/%2e%2e/secret.js', '/wasm', '/index.txt'])('answers %s with 404', async (path) => {
    const response = await get(server.url, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('secret');
  });
});
