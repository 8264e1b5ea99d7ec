// `npm start`: builds the page and serves it on this machine until Ctrl-C.
import { buildPage } from './build';
import { servePage } from './serve';
import type { PageServer } from './serve';

const port = Number(process.env.PORT ?? 8080);
const root = await buildPage();
let server: PageServer;
try {
  server = await servePage(root, { port });
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.log(`port ${port} is in use; taking a free one (set PORT to choose)`);
  server = await servePage(root);
}
console.log(`kd browser example: open ${server.url} (Ctrl-C stops the server)`);
process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
