import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// Two entry points: `.` runs anywhere (Node and browsers), `./node` holds what needs Node's fs.
export default defineConfig({ ...base, entry: ['src/index.ts', 'src/node.ts'] });
