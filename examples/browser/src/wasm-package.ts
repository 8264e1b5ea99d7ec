// The module the page's import map serves as '@tensorflow/tfjs-backend-wasm'. `useBackend` of
// @kd/backend imports that package by name at run time, which a browser can resolve only through
// an import map; built as a second entry point that shares its chunk with main.js, it hands over
// the page's own copy (registered with the page's tfjs engine) rather than a second one.
export * from '@tensorflow/tfjs-backend-wasm';
