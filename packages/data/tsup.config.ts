import { defineConfig } from 'tsup';
import base from '../../tsup.base';

// `loadMnistDigits` resolves the `mnist` package relative to this module with `import.meta.url`;
// shims give the CJS build a working `import.meta.url` (from `__filename`).
export default defineConfig({ ...(base as object), shims: true });
