import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** A running page server. */
export interface PageServer {
  /** e.g. `http://127.0.0.1:8080/` */
  url: string;
  close(): Promise<void>;
}

/** Options of {@link servePage}. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Default `127.0.0.1`: the page is served to this machine only. */
  host?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/**
 * Serves the files of `root` (a built page) over HTTP. The page is cross-origin isolated
 * (COOP/COEP headers), which lets tfjs's WebAssembly backend use threads.
 */
export function servePage(root: string, options: ServeOptions = {}): Promise<PageServer> {
  const base = normalize(root + sep);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    const type = TYPES[extname(file)];
    let size = -1;
    try {
      if (file.startsWith(base) && type) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      // No such file: answered below with 404.
    }
    if (size < 0 || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(size < 0 ? 404 : 405, { 'content-type': 'text/plain' }).end(size < 0 ? 'not found\n' : 'GET or HEAD only\n');
      return;
    }
    response.writeHead(200, {
      'content-type': type!,
      'content-length': size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { address, port } = server.address() as AddressInfo;
      resolve({
        url: `http://${address}:${port}/`,
        close: () =>
          new Promise((done, fail) => {
            server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          }),
      });
    });
  });
}
