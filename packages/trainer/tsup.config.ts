import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// `.` runs anywhere (Node and browsers); `./node` holds what writes files (checkpoints, logs).
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/node.ts'] });
