import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// `shims` gives the CommonJS build an `import.meta.url`, which the wasm loader resolves
// tfjs-backend-wasm's files from.
export default defineConfig({ ...base, shims: true });
