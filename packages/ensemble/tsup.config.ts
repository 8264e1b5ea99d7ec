import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// `.` runs anywhere (Node and browsers); `./node` holds the file-backed parts (caches, saved models).
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/node.ts'] });
